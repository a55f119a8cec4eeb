import DoorstepCore
import DoorstepSecurity
import DoorstepStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

/// Each privacy mechanism of issue 4, against the real stores.
@Suite struct PrivacyTests {
    @Test func photosAreEncryptedAtRestAndACopyTakenBeforeDeletionIsUselessAfter() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                let photoID = try await app.upload(delivery, client: client)
                // What a thief copying the blob folder gets: ciphertext, not a JPEG.
                let stolen = try #require(try await app.services.blobs.get("photos/\(photoID)/display.jpg"))
                #expect(Array(stolen.prefix(4)) == Array("DSE1".utf8))
                #expect(!stolen.contains([0xFF, 0xD8, 0xFF]))
                let shown = try await client.execute(uri: app.displayPhotoPath(delivery), method: .get)
                #expect(shown.status == .ok && Array(shown.body.readableBytesView.prefix(3)) == [0xFF, 0xD8, 0xFF])
                let photo = try #require(try await app.services.store.photo(id: photoID))
                // Before deletion the copy opens with the photo's key...
                let key = try app.services.infrastructure.keys.unwrap(photo.dataKey, photoID: photoID)
                #expect(try key.open(stolen, boundTo: photo.display.blobKey).count == photo.display.byteCount)

                // ...the customer deletes the photo...
                let deleted = try await client.execute(
                    uri: "/d/\(delivery.id)/photo/delete?" + app.customerPath(delivery).split(separator: "?")[1], method: .post)
                #expect(deleted.status == .seeOther)
                #expect(try await client.execute(uri: app.displayPhotoPath(delivery), method: .get).status == .notFound)
                #expect((try await app.blobFiles()).isEmpty)
                // ...and no wrapped key for it is left anywhere in the store: the copy stays ciphertext.
                #expect(try await app.services.store.photoKeys(notWrappedBy: 0, limit: 100).allSatisfy { $0.photoID != photoID })
                #expect(try await app.services.store.photo(id: photoID) == nil)
                let page = try await client.execute(uri: app.customerPath(delivery), method: .get).text
                #expect(page.contains("The photo of this delivery has been deleted."))
                // The proof outlives the photo.
                let api = try await client.execute(uri: "/api/v1/deliveries/\(delivery.id)", method: .get, headers: app.apiHeaders).json()
                let proofs = try #require(api["proofs"] as? [[String: Any]])
                #expect(proofs.count == 1 && proofs[0]["deleted_reason"] as? String == "customer_link" && proofs[0]["sha256"] as? String == photo.display.sha256)
                #expect(api["photo"] == nil)
            }
        }
    }

    @Test func keyRotationRewrapsEveryDataKeyAndRetiresTheOldKEK() async throws {
        try await TestApp.run { app in
            let first = try await app.delivery(), second = try await app.delivery()
            try await app.application.test(.router) { client in
                try await app.upload(first, client: client)
                try await app.upload(second, client: client)
                let blobsBefore = try await app.blobContents()
                let report = try await app.services.keyRotation.rotate(settle: .zero)
                #expect(report == KeyRotation.Report(newVersion: 2, rewrapped: 2, retiredVersions: [1]))
                #expect(try await app.services.store.kekVersionsInUse() == [2])
                #expect(!FileManager.default.fileExists(atPath: app.folder.appendingPathComponent("keys/kek/kek-0001.key").path))
                // Blobs untouched, photos still readable.
                let blobsAfter = try await app.blobContents()
                #expect(blobsBefore == blobsAfter)
                for delivery in [first, second] {
                    #expect(try await client.execute(uri: app.displayPhotoPath(delivery), method: .get).status == .ok)
                }
            }
        }
    }

    @Test func expiredPhotosGoInOneSweepRunByTwoProcessesAtOnce() async throws {
        try await TestApp.run { app in
            let deliveries = try await app.application.test(.router) { client in
                var created: [Delivery] = []
                for _ in 0..<6 {
                    let delivery = try await app.delivery()
                    try await app.upload(delivery, client: client)
                    created.append(delivery)
                }
                return created
            }
            app.clock.advance(by: TenantSettings.defaultRetention + 1)
            // A second "process": its own connections to the same database file and blob folder.
            var logger = app.services.logger
            logger.logLevel = .critical
            let other = try await AppServices.open(
                app.services.configuration, effects: app.services.effects, logger: logger)
            async let mine = app.services.retentionSweeper.sweepOnce(batch: 2)
            async let theirs = other.retentionSweeper.sweepOnce(batch: 2)
            let (a, b) = try await (mine, theirs)
            try await other.close()
            #expect(a + b == 6, "deleted \(a) + \(b)")
            // Each photo left one proof thumbnail for the dispute window, whichever process sealed
            // it: the loser of a race deletes its own sealing.
            let left = try await app.blobFiles()
            #expect(left.count == 6 && left.allSatisfy { $0.contains("/proof-") }, "\(left)")
            for delivery in deliveries {
                #expect(try await app.services.store.currentPhoto(deliveryID: delivery.id) == nil)
                #expect(try await app.services.store.proofThumbnails(deliveryID: delivery.id).count == 1)
                let events = try await app.services.store.accessEvents(deliveryID: delivery.id)
                #expect(events.filter { $0.action == .expire }.count == 1)
                #expect(try await app.services.store.photoProofs(deliveryID: delivery.id).first?.deletedReason == .expired)
            }
            #expect(try await app.services.retentionSweeper.sweepOnce() == 0)
        }
    }

    @Test func retentionIsATenantSettingWithinLimits() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                let tooShort = try await client.execute(uri: "/api/v1/settings", method: .put, headers: app.apiHeaders,
                                                        body: .init(string: #"{"retention_seconds": 60, "consent_modes": {}}"#))
                #expect(tooShort.status == .unprocessableContent)
                let set = try await client.execute(uri: "/api/v1/settings", method: .put, headers: app.apiHeaders,
                                                   body: .init(string: #"{"retention_seconds": 3600, "consent_modes": {"*": "opt_out"}, "dispute_window_seconds": 0}"#))
                #expect(set.status == .ok)
                #expect(try await client.execute(uri: "/api/v1/settings", method: .get, headers: app.apiHeaders).json()["retention_seconds"] as? Int == 3600)
                try await app.upload(delivery, client: client)
                app.clock.advance(by: 3601)
                #expect(try await app.services.retentionSweeper.sweepOnce() == 1)
                let page = try await client.execute(uri: app.customerPath(delivery), method: .get).text
                #expect(page.contains("deleted automatically"))
                // No dispute window: nothing of the photo is kept.
                #expect(try await app.blobFiles().isEmpty)
            }
        }
    }

    @Test func anOptedOutRecipientIsNotPhotographedAnywhere() async throws {
        try await TestApp.run { app in
            let earlier = try await app.delivery(email: "ann@example.com")
            let next = try await app.delivery(email: "ANN@example.com")
            try await app.application.test(.router) { client in
                try await app.upload(earlier, client: client)
                // GET only shows the choice (RFC 8058): nothing changes yet.
                let confirm = try await client.execute(uri: app.preferencesPath(next), method: .get)
                #expect(confirm.status == .ok)
                #expect(confirm.text.contains("photograph my deliveries") && confirm.text.contains("<form method=\"post\" action=\"/o/\(next.id)?"))
                #expect(try await app.services.privacy.policy(for: next) == .requested)

                let post = try await client.execute(uri: app.preferencesPath(next), method: .post, headers: .form,
                                                    body: .init(string: "choice=opted_out&delete=yes"))
                #expect(post.status == .ok && post.text.contains("will not be photographed"))

                // The courier's list says so, the upload endpoint refuses, earlier photos are gone.
                let stops = try await client.execute(uri: "/api/v1/courier/deliveries", method: .get, headers: app.courierHeaders()).json()
                let policies = (stops["items"] as? [[String: Any]] ?? []).compactMap { $0["photo_policy"] as? String }
                #expect(policies == ["opted_out", "opted_out"])
                let refused = try await client.execute(uri: app.uploadPath(next), method: .post, headers: app.courierHeaders(), body: ByteBuffer(bytes: Photos.jpeg))
                #expect(refused.status == .conflict)
                let problem = try refused.json()
                #expect(problem["type"] as? String == "/problems/photo-not-allowed" && problem["reason"] as? String == "opted_out")
                #expect(try await app.services.store.currentPhoto(deliveryID: earlier.id) == nil)
                #expect((try await app.blobFiles()).isEmpty)

                // Opting back in works the same way.
                let back = try await client.execute(uri: app.preferencesPath(next), method: .post, headers: .form, body: .init(string: "choice=opted_in"))
                #expect(back.status == .ok)
                try await app.upload(next, client: client)
            }
        }
    }

    @Test func aOneClickUnsubscribePostOptsOutAndAnAddressWideChoiceCoversHousemates() async throws {
        try await TestApp.run { app in
            let mine = try await app.delivery(email: "ann@example.com", address: "4, Rue des Lilas")
            let housemate = try await app.delivery(email: "bob@example.com", address: "4 rue des lilas")
            try await app.application.test(.router) { client in
                let oneClick = try await client.execute(uri: app.preferencesPath(mine), method: .post, headers: .form,
                                                        body: .init(string: "List-Unsubscribe=One-Click"))
                #expect(oneClick.status == .ok)
                #expect(try await app.services.privacy.policy(for: mine) == .notAllowed(.optedOut))
                #expect(try await app.services.privacy.policy(for: housemate) == .requested)
                _ = try await client.execute(uri: app.preferencesPath(mine), method: .post, headers: .form, body: .init(string: "choice=opted_out&address=yes"))
                #expect(try await app.services.privacy.policy(for: housemate) == .notAllowed(.optedOut))
                // The housemate saying yes lifts their own choice only: the address-wide no stands.
                let theirs = try await client.execute(uri: app.preferencesPath(housemate), method: .post, headers: .form, body: .init(string: "choice=opted_in"))
                #expect(theirs.status == .ok)
                #expect(try await app.services.privacy.policy(for: housemate) == .notAllowed(.optedOut))
                #expect(try await app.services.privacy.policy(for: mine) == .notAllowed(.optedOut))
                // The one who gave it can take it back, for the whole address.
                _ = try await client.execute(uri: app.preferencesPath(mine), method: .post, headers: .form, body: .init(string: "choice=opted_in"))
                #expect(try await app.services.privacy.policy(for: housemate) == .requested)
                #expect(try await app.services.privacy.policy(for: mine) == .requested)
                // A forged or delivery-page link cannot change preferences.
                let wrongPurpose = try await client.execute(uri: "/o/\(mine.id)?" + app.customerPath(mine).split(separator: "?")[1],
                                                            method: .post, headers: .form, body: .init(string: "choice=opted_in"))
                #expect(wrongPurpose.status == .notFound)
            }
        }
    }

    @Test func consentModesFollowTheDeliveryCountry() async throws {
        try await TestApp.run { app in
            try await app.services.store.updateSettings(
                TenantSettings(consentModes: ["FR": .optIn, "DE": .off, "*": .optOut]), tenantID: app.tenant.id)
            let paris = try await app.delivery(email: "a@example.com", country: "fr")
            let berlin = try await app.delivery(email: "b@example.com", country: "DE")
            let london = try await app.delivery(email: "c@example.com", country: "GB")
            #expect(try await app.services.privacy.policy(for: paris) == .notAllowed(.consentRequired))
            #expect(try await app.services.privacy.policy(for: berlin) == .notAllowed(.photosOff))
            #expect(try await app.services.privacy.policy(for: london) == .requested)
            try await app.application.test(.router) { client in
                let refused = try await client.execute(uri: app.uploadPath(paris), method: .post, headers: app.courierHeaders(), body: ByteBuffer(bytes: Photos.jpeg))
                let reason = try refused.json()["reason"] as? String
                #expect(refused.status == .conflict && reason == "consent_required")
                let offPage = try await client.execute(uri: app.preferencesPath(berlin), method: .get)
                #expect(offPage.text.contains("does not take delivery photos in your region"))
                // The recipient says yes first; then the courier may take the photo.
                let yes = try await client.execute(uri: app.preferencesPath(paris), method: .post, headers: .form, body: .init(string: "choice=opted_in"))
                #expect(yes.status == .ok)
                try await app.upload(paris, client: client)
            }
        }
    }

    @Test func everyViewAndDownloadIsAuditedAndShownToTheCustomer() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                try await app.upload(delivery, client: client)
                // The audit orders events by time; the test clock stands still unless moved.
                app.clock.advance(by: 1)
                _ = try await client.execute(uri: app.displayPhotoPath(delivery), method: .get)
                app.clock.advance(by: 1)
                let download = try await client.execute(uri: "/api/v1/deliveries/\(delivery.id)/photo", method: .get, headers: app.apiHeaders)
                #expect(download.status == .ok && download.headers[.contentType] == "image/jpeg")
                // Couriers cannot view photos after upload: their token opens no photo route.
                let courier = try await client.execute(uri: "/api/v1/deliveries/\(delivery.id)/photo", method: .get, headers: app.courierHeaders())
                #expect(courier.status == .unauthorized)

                let events = try await app.services.store.accessEvents(deliveryID: delivery.id)
                #expect(events.map(\.action) == [.upload, .viewPhoto, .download])
                #expect(events.map(\.actor) == [.courier, .customerLink, .apiKey])
                #expect(events[2].actorID == String(app.apiKey.prefix(10)))
                let page = try await client.execute(uri: app.customerPath(delivery), method: .get).text
                #expect(page.contains("Who has seen this photo") && page.contains("You (this link) viewed it") && page.contains("The shop downloaded it"))

                app.clock.advance(by: 1)
                let gone = try await client.execute(uri: "/api/v1/deliveries/\(delivery.id)/photo", method: .delete, headers: app.apiHeaders)
                #expect(gone.status == .noContent)
                #expect(try await client.execute(uri: "/api/v1/deliveries/\(delivery.id)/photo", method: .delete, headers: app.apiHeaders).status == .notFound)
                #expect(try await app.services.store.accessEvents(deliveryID: delivery.id).last?.action == .delete)
            }
        }
    }

    @Test func exportAndErasureCoverEverythingAboutARecipient() async throws {
        try await TestApp.run { app in
            let first = try await app.delivery(email: "ann@example.com"), second = try await app.delivery(email: "ann@example.com")
            let stranger = try await app.delivery(email: "zed@example.com")
            try await app.application.test(.router) { client in
                try await app.upload(first, client: client)
                try await app.upload(stranger, client: client)
                _ = try await client.execute(uri: app.preferencesPath(second), method: .post, headers: .form, body: .init(string: "choice=opted_out"))

                let export = try await client.execute(uri: "/api/v1/recipients/export?email=ANN@example.com", method: .get, headers: app.apiHeaders)
                #expect(export.status == .ok)
                let json = try export.json()
                let items = try #require(json["deliveries"] as? [[String: Any]])
                #expect(items.count == 2)
                let jpeg = try #require(items.compactMap { $0["photoJPEGBase64"] as? String }.first.flatMap { Data(base64Encoded: $0) })
                #expect(Array(jpeg.prefix(3)) == [0xFF, 0xD8, 0xFF])
                #expect((json["choices"] as? [String: String])?["email"] == "opted_out")
                #expect(!export.text.contains("zed@example.com"))

                let erase = try await client.execute(uri: "/api/v1/recipients/erase", method: .post, headers: app.apiHeaders,
                                                     body: .init(string: #"{"email": "ann@example.com"}"#))
                #expect(try erase.json()["erased_deliveries"] as? Int == 2)
                let after = try #require(try await app.services.store.delivery(id: first.id))
                #expect(after.recipient.email.isEmpty && after.address.isEmpty)
                #expect(try await app.services.store.currentPhoto(deliveryID: first.id) == nil)
                #expect(try await app.services.store.currentPhoto(deliveryID: stranger.id) != nil)
                // The "no photos" survives erasure: a new delivery to the same person stays unphotographed.
                let later = try await app.delivery(email: "ann@example.com")
                #expect(try await app.services.privacy.policy(for: later) == .notAllowed(.optedOut))
                let actions = try await app.services.store.accessEvents(deliveryID: first.id).map(\.action)
                #expect(actions.contains(.export) && actions.contains(.erase))
            }
        }
    }

    /// A recipient reached by text alone has no email: their "no photos", export and erasure go
    /// by number, and a no given with both an email and a number holds for a parcel with either.
    @Test func aRecipientKnownByNumberOnlyIsExportedErasedAndOptedOutByNumber() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                let created = try await client.execute(uri: "/api/v1/deliveries", method: .post, headers: app.apiHeaders, body: .init(string: #"""
                    {"order_reference": "T-1", "address": "2 Side St", "latitude": 48.85, "longitude": 2.35, "courier_id": "\#(app.courier.id)",
                     "recipient": {"name": "Tess", "language": "en", "phone": "+44 7700 900123"}}
                    """#))
                #expect(created.status == .created)
                let recipient = try #require(try created.json()["recipient"] as? [String: Any])
                #expect(recipient["phone"] as? String == "+447700900123" && recipient["email"] == nil)
                let neither = try await client.execute(uri: "/api/v1/deliveries", method: .post, headers: app.apiHeaders, body: .init(string: #"""
                    {"order_reference": "T-2", "address": "2 Side St", "latitude": 48.85, "longitude": 2.35, "recipient": {"name": "X", "language": "en"}}
                    """#))
                #expect(neither.status == .unprocessableContent && neither.text.contains("needs an email or a mobile number"))

                let createdID = try #require(try created.json()["id"] as? String)
                let byText = try #require(try await app.services.store.delivery(id: createdID))
                let byBoth = try await app.delivery(email: "tess@example.com", phone: "+447700900123")
                let byEmail = try await app.delivery(email: "tess@example.com")
                try await app.upload(byText, client: client)
                _ = try await client.execute(uri: app.preferencesPath(byBoth), method: .post, headers: .form, body: .init(string: "choice=opted_out"))
                for delivery in [byText, byBoth, byEmail] {
                    #expect(try await app.services.privacy.policy(for: delivery) == .notAllowed(.optedOut))
                }

                let export = try await client.execute(uri: "/api/v1/recipients/export?phone=%2B447700900123", method: .get, headers: app.apiHeaders)
                #expect(export.status == .ok)
                let items = try #require(try export.json()["deliveries"] as? [[String: Any]])
                #expect(items.count == 2, "the deliveries to that number, not the one to the email alone")
                #expect(items.contains { $0["photoJPEGBase64"] is String })
                let unknown = try await client.execute(uri: "/api/v1/recipients/export", method: .get, headers: app.apiHeaders)
                #expect(unknown.status == .unprocessableContent)

                let erase = try await client.execute(uri: "/api/v1/recipients/erase", method: .post, headers: app.apiHeaders,
                                                     body: .init(string: #"{"phone": "+447700900123"}"#))
                #expect(try erase.json()["erased_deliveries"] as? Int == 2)
                let erased = try #require(try await app.services.store.delivery(id: byText.id))
                #expect(erased.recipient.phone == nil && erased.recipient.name.isEmpty && erased.address.isEmpty)
                #expect(try await app.services.store.currentPhoto(deliveryID: byText.id) == nil)
                #expect(try await app.services.store.delivery(id: byEmail.id)?.recipient.email == "tess@example.com")
                // The no outlives erasure, under the number too.
                #expect(try await app.services.privacy.policy(for: try await app.delivery(email: "", phone: "+447700900123")) == .notAllowed(.optedOut))
            }
        }
    }
}
