import DoorstepCore
import DoorstepStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

/// Proof for the dispute window (a proof thumbnail outlives the photo) and the legal hold of an
/// open case, through the API, the customer page and the sweeps.
@Suite struct DisputeWindowTests {
    func get(_ client: some TestClientProtocol, _ uri: String, _ headers: HTTPFields = [:]) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: headers)
    }

    func proofPath(_ app: TestApp, _ delivery: Delivery) -> String {
        "/d/\(delivery.id)/photo/proof?" + app.customerPath(delivery).split(separator: "?")[1]
    }

    func actions(_ app: TestApp, _ delivery: Delivery) async throws -> [AccessEvent.Action] {
        try await app.services.store.accessEvents(deliveryID: delivery.id).map(\.action)
    }

    @Test func theProofThumbnailOutlivesThePhotoUntilTheWindowClosesThroughRotationAndOrphanSweeps() async throws {
        try await TestApp.run { app in
            app.clock.advanceToWholeSecond()
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                let photoID = try await app.upload(delivery, client: client)
                let thumbnailPath = app.displayPhotoPath(delivery).replacingOccurrences(of: "/photo/display?", with: "/photo/thumbnail?")
                let thumbnail = Array(try await get(client, thumbnailPath).body.readableBytesView)
                #expect(thumbnail.starts(with: [0xFF, 0xD8]))
                let uploadedAt = try #require(try await app.services.store.photo(id: photoID)).createdAt
                #expect(try await get(client, proofPath(app, delivery)).status == .notFound)

                // Retention (30 days) ends: the photo goes, a proof thumbnail stays for 120 days from upload.
                app.clock.advance(by: TenantSettings.defaultRetention + 1)
                #expect(try await app.services.retentionSweeper.sweepOnce() == 1)
                #expect(try await get(client, app.displayPhotoPath(delivery)).status == .notFound)
                let blobs = try await app.blobFiles()
                #expect(blobs.count == 1 && blobs[0].hasPrefix("photos/\(photoID)/proof-"), "\(blobs)")
                // The same image as the thumbnail shown before (at most 320 px, already redacted), sealed anew.
                let proof = try await get(client, proofPath(app, delivery))
                #expect(proof.status == .ok && Array(proof.body.readableBytesView) == thumbnail)
                let sealed = try #require(try await app.services.blobs.get(blobs[0]))
                #expect(Array(sealed.prefix(4)) == Array("DSE1".utf8))
                let api = try await get(client, "/api/v1/deliveries/\(delivery.id)", app.apiHeaders).json()
                let proofs = try #require(api["proofs"] as? [[String: Any]])
                let until = uploadedAt.addingTimeInterval(TenantSettings.defaultDisputeWindow)
                #expect(proofs.first?["deleted_reason"] as? String == "expired")
                #expect(proofs.first?["proof_thumbnail_until"] as? String == until.formatted(.iso8601))
                let page = try await get(client, app.customerPath(delivery)).text
                #expect(page.contains("A small copy") && page.contains("/photo/proof?") && page.contains("datetime=\"\(until.formatted(.iso8601))\""))
                // A data-subject export holds it too (Art. 15: the small copy is still theirs).
                let export = try await get(client, "/api/v1/recipients/export?email=\(delivery.recipient.email)", app.apiHeaders).json()
                let exported = (export["deliveries"] as? [[String: Any]])?.first?["proofThumbnailsJPEGBase64"] as? [String]
                #expect(exported?.compactMap { Data(base64Encoded: $0).map(Array.init) } == [thumbnail])
                // The evidence pack shows the proof thumbnail now that the photo is gone.
                let pdf = try await get(client, "/api/v1/deliveries/\(delivery.id)/evidence.pdf", app.apiHeaders)
                #expect(pdf.status == .ok && Array(pdf.body.readableBytesView).firstRange(of: thumbnail) != nil)

                // A key rotation rewraps its key; an orphan sweep long after leaves its blob alone.
                _ = try await app.services.keyRotation.rotate(settle: .zero)
                _ = try await app.services.orphanSweeper.sweepOnce(now: app.clock.now.addingTimeInterval(86400))
                #expect(Array(try await get(client, proofPath(app, delivery)).body.readableBytesView) == thumbnail)

                // The window closes: the proof thumbnail goes; the facts stay.
                app.clock.advance(by: TenantSettings.defaultDisputeWindow - TenantSettings.defaultRetention)
                #expect(try await app.services.retentionSweeper.sweepOnce() == 0)
                #expect(try await app.blobFiles().isEmpty)
                #expect(try await get(client, proofPath(app, delivery)).status == .notFound)
                #expect(try await app.services.store.photoKeys(notWrappedBy: 0, limit: 100).isEmpty)
                #expect(try await actions(app, delivery).filter { $0 == .expire }.count == 2)
                let after = try await get(client, app.customerPath(delivery)).text
                #expect(after.contains("deleted automatically") && !after.contains("/photo/proof?"))
                #expect(try await get(client, "/api/v1/deliveries/\(delivery.id)/receipt", app.apiHeaders).status == .ok)
            }
        }
    }

    @Test func theRecipientDeletesTheProofThumbnailAtOnce() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                try await app.upload(delivery, client: client)
                app.clock.advance(by: TenantSettings.defaultRetention + 1)
                #expect(try await app.services.retentionSweeper.sweepOnce() == 1)
                #expect(try await get(client, proofPath(app, delivery)).status == .ok)
                let deleted = try await client.execute(
                    uri: "/d/\(delivery.id)/photo/delete?" + app.customerPath(delivery).split(separator: "?")[1], method: .post)
                #expect(deleted.status == .seeOther)
                #expect(try await app.blobFiles().isEmpty)
                #expect(try await get(client, proofPath(app, delivery)).status == .notFound)
                let events = try await app.services.store.accessEvents(deliveryID: delivery.id)
                #expect(events.contains { $0.action == .delete && $0.actor == .customerLink })
                // Recorded as the recipient's choice: no retake puts a photo back.
                #expect(try await app.services.store.photoProofs(deliveryID: delivery.id).first?.deletedReason == .customerLink)
                let session = try await app.services.accounts.openSession(for: app.courier)  // a month on: a new day's sign-in
                let retake = try await client.execute(
                    uri: app.uploadPath(delivery), method: .post, headers: [.authorization: "Bearer \(session.token)", .contentType: "image/jpeg"],
                    body: ByteBuffer(bytes: Photos.jpeg))
                #expect(retake.status == .conflict)
                #expect(try retake.json()["reason"] as? String == "deleted_by_customer")
            }
        }
    }

    @Test func anOpenCaseHoldsThePhotoPastItsTimeAndResolvingReleasesIt() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery(), other = try await app.delivery()
            try await app.application.test(.router) { client in
                let photoID = try await app.upload(delivery, client: client)
                try await app.upload(other, client: client)
                let query = app.customerPath(delivery).split(separator: "?")[1]
                let reported = try await client.execute(
                    uri: "/d/\(delivery.id)/problem?\(query)", method: .post, headers: .form, body: ByteBuffer(string: "kind=not_there"))
                #expect(reported.status == .seeOther)
                #expect(try await actions(app, delivery).filter { $0 == .hold }.count == 1)
                // The courier cannot replace the photo in dispute with a retake.
                let retake = try await client.execute(
                    uri: app.uploadPath(delivery), method: .post, headers: app.courierHeaders(key: UUID().uuidString), body: ByteBuffer(bytes: Photos.jpeg))
                #expect(retake.status == .conflict)
                #expect(try retake.json()["reason"] as? String == "held_by_case")
                #expect(try await app.services.store.currentPhoto(deliveryID: delivery.id)?.id == photoID)

                // Past retention: the other delivery's photo goes, the disputed one stays whole.
                app.clock.advance(by: TenantSettings.defaultRetention + 1)
                #expect(try await app.services.retentionSweeper.sweepOnce() == 1)
                #expect(try await get(client, app.displayPhotoPath(delivery)).status == .ok)
                #expect(try await app.services.store.currentPhoto(deliveryID: delivery.id)?.id == photoID)
                // Past the dispute window too: still held.
                app.clock.advance(by: TenantSettings.defaultDisputeWindow)
                #expect(try await app.services.retentionSweeper.sweepOnce() == 0)
                #expect(try await get(client, app.displayPhotoPath(delivery)).status == .ok)

                let cases = try await get(client, "/api/v1/cases", app.apiHeaders).json()["items"] as? [[String: Any]]
                let caseID = try #require(cases?.first?["id"] as? String)
                let resolved = try await client.execute(
                    uri: "/api/v1/cases/\(caseID)/resolve", method: .post, headers: app.apiHeaders,
                    body: try JSONSerialization.body(["resolution": "Refunded"]))
                #expect(resolved.status == .ok)
                #expect(try await actions(app, delivery).filter { $0 == .release }.count == 1)
                // Released: its time (and the window's) being long past, it goes outright.
                #expect(try await app.services.retentionSweeper.sweepOnce() == 1)
                #expect(try await app.blobFiles().isEmpty)
                let page = try await get(client, app.customerPath(delivery)).text
                #expect(page.contains("kept it past its time") && page.contains("let its time run again"))
            }
        }
    }

    @Test func aHeldPhotoIsStillDeletedWhenItsRecipientAsks() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                try await app.upload(delivery, client: client)
                let query = app.customerPath(delivery).split(separator: "?")[1]
                _ = try await client.execute(
                    uri: "/d/\(delivery.id)/problem?\(query)", method: .post, headers: .form, body: ByteBuffer(string: "kind=damaged"))
                #expect(try await actions(app, delivery).contains(.hold))
                let deleted = try await client.execute(uri: "/d/\(delivery.id)/photo/delete?\(query)", method: .post)
                #expect(deleted.status == .seeOther)
                #expect(try await app.blobFiles().isEmpty)
                #expect(try await get(client, app.displayPhotoPath(delivery)).status == .notFound)
            }
        }
    }

    @Test func theDisputeWindowIsATenantSettingWithinLimits() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                let settings = try await get(client, "/api/v1/settings", app.apiHeaders).json()
                #expect(settings["dispute_window_seconds"] as? Int == 120 * 86400)
                for bad in ["-1", "46656001"] {
                    let refused = try await client.execute(
                        uri: "/api/v1/settings", method: .patch, headers: app.apiHeaders, body: ByteBuffer(string: #"{"dispute_window_seconds": \#(bad)}"#))
                    #expect(refused.status == .unprocessableContent)
                }
                let set = try await client.execute(
                    uri: "/api/v1/settings", method: .patch, headers: app.apiHeaders, body: ByteBuffer(string: #"{"dispute_window_seconds": 0}"#))
                #expect(try set.json()["dispute_window_seconds"] as? Int == 0)
                let back = try await client.execute(
                    uri: "/api/v1/settings", method: .patch, headers: app.apiHeaders, body: ByteBuffer(string: #"{"dispute_window_seconds": null}"#))
                #expect(try back.json()["dispute_window_seconds"] as? Int == 120 * 86400)
            }
        }
    }
}
