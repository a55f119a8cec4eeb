import DoorstepCore
import DoorstepSecurity
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

/// Freshness (capture tickets), reuse detection, signed receipts and cases, through the API.
@Suite struct EvidenceTrailTests {
    func ticket(_ app: TestApp, _ delivery: Delivery, _ client: some TestClientProtocol) async throws -> String {
        let response = try await client.execute(
            uri: "/api/v1/courier/deliveries/\(delivery.id)/capture-ticket", method: .post, headers: app.courierHeaders())
        #expect(response.status == .created)
        return try #require(try response.json()["ticket"] as? String)
    }

    func upload(_ app: TestApp, _ delivery: Delivery, _ client: some TestClientProtocol, photo: String = "r01_sunset.original",
                query: String = "") async throws -> [String: Any] {
        let response = try await client.execute(
            uri: app.uploadPath(delivery, query: "placement=porch&lat=48.8566&lon=2.3522" + query), method: .post, headers: app.courierHeaders(),
            body: ByteBuffer(bytes: Photos.quality(photo)))
        return try response.json()
    }

    @Test func aPhotoIsFreshOnlyWithItsOwnUnusedTicketWithinMinutes() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                let a = try await app.delivery(), b = try await app.delivery()
                let ticketA = try await ticket(app, a, client)
                let fresh = try await upload(app, a, client, query: "&ticket=\(ticketA)")
                #expect((fresh["photo"] as? [String: Any])?["freshness"] as? String == "fresh")
                // The same ticket again (a replayed upload, or a retake without a new ticket).
                let replay = try await upload(app, a, client, query: "&ticket=\(ticketA)")
                #expect((replay["photo"] as? [String: Any])?["freshness"] as? String == "reused_ticket")
                // Another stop's ticket, no ticket, and a ticket whose minutes have passed.
                let ticketB = try await ticket(app, b, client)
                let misused = try await upload(app, a, client, query: "&ticket=\(ticketB)")
                #expect((misused["photo"] as? [String: Any])?["freshness"] as? String == "invalid_ticket")
                #expect((try await upload(app, b, client)["photo"] as? [String: Any])?["freshness"] as? String == "no_ticket")
                app.clock.advance(by: FreshnessRule.captureWindow + FreshnessRule.clockSlack + 1)
                let late = try await upload(app, b, client, query: "&ticket=\(ticketB)")
                #expect((late["photo"] as? [String: Any])?["freshness"] as? String == "expired_ticket")
            }
        }
    }

    @Test func aPhotoWhoseOwnCaptureTimeIsDaysOffIsFlaggedAndATenantCanRefuseStalePhotos() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                // This camera file says it was taken years ago (EXIF DateTimeOriginal).
                let delivery = try await app.delivery()
                let issued = try await ticket(app, delivery, client)
                let response = try await client.execute(
                    uri: app.uploadPath(delivery, query: "placement=porch&ticket=\(issued)"), method: .post,
                    headers: app.courierHeaders(), body: ByteBuffer(bytes: Photos.bytes("r17_nikonD2H_500x375_gps.jpg")))
                #expect((try response.json()["photo"] as? [String: Any])?["freshness"] as? String == "exif_mismatch")

                var settings = app.tenant.settings
                settings.ticketPolicy = .refuse
                try await app.services.store.updateSettings(settings, tenantID: app.tenant.id)
                let other = try await app.delivery()
                let refused = try await client.execute(
                    uri: app.uploadPath(other, query: "placement=porch"), method: .post, headers: app.courierHeaders(),
                    body: ByteBuffer(bytes: Photos.quality("r01_sunset.original")))
                #expect(refused.status == .unprocessableContent)
                #expect(try refused.json()["type"] as? String == "/problems/capture-not-fresh")
                #expect(try refused.json()["reason"] as? String == "no_ticket")
                let accepted = try await upload(app, other, client, query: "&ticket=\(try await ticket(app, other, client))")
                #expect((accepted["photo"] as? [String: Any])?["freshness"] as? String == "fresh")
            }
        }
    }

    @Test func aReusedPhotoIsFlaggedAgainstTheOriginalAndADifferentOneIsNot() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                let first = try await app.delivery(), second = try await app.delivery(), third = try await app.delivery()
                let original = try #require(try await upload(app, first, client, photo: "r05_picosdeeuropa.original")["photo"] as? [String: Any])
                #expect((original["reuse"] as? [Any])?.isEmpty == true)
                // The same scene again, cropped and re-encoded, for another parcel.
                let copy = try #require(try await upload(app, second, client, photo: "r05_picosdeeuropa.cropped")["photo"] as? [String: Any])
                let flags = try #require(copy["reuse"] as? [[String: Any]])
                #expect(flags.count == 1)
                #expect(flags.first?["photo_id"] as? String == original["id"] as? String)
                #expect(flags.first?["delivery_id"] as? String == first.id)
                #expect(flags.first?["same_courier"] as? Bool == true)
                // Both parcels went to 1 Main St: a regular customer's door looks the same each time.
                #expect(flags.first?["kind"] as? String == "same_address")
                // A different photo of a similar scene (another mountain landscape) is not flagged.
                let other = try #require(try await upload(app, third, client, photo: "r09_aitzgorri.original")["photo"] as? [String: Any])
                #expect((other["reuse"] as? [Any])?.isEmpty == true)
                // The tenant sees the flag on the delivery.
                let shown = try await client.execute(uri: "/api/v1/deliveries/\(second.id)", method: .get, headers: app.apiHeaders).json()
                #expect(((shown["photo"] as? [String: Any])?["reuse"] as? [Any])?.count == 1)
            }
        }
    }

    @Test func onlyAPhotoPassedOffForAnotherAddressOpensACaseAndRetakesOpenNoMore() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                func cases() async throws -> [[String: Any]] {
                    try #require(try await client.execute(uri: "/api/v1/cases", method: .get, headers: app.apiHeaders).json()["items"] as? [[String: Any]])
                }
                let first = try await app.delivery(email: "ann@example.com", address: "12 Rue de la Paix, Paris")
                _ = try await upload(app, first, client, photo: "r05_picosdeeuropa.original")
                // The same door next week, written differently and geocoded 40 m off: the same place.
                let again = try await app.delivery(email: "ann@example.com", address: "12, rue de la paix  PARIS", latitude: 48.8570)
                let expected = try #require(try await upload(app, again, client, photo: "r05_picosdeeuropa.cropped")["photo"] as? [String: Any])
                #expect((expected["reuse"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["same_address"])
                #expect(try await cases().isEmpty)

                // The same picture for a parcel to another street: the suspicious kind, and a case.
                let elsewhere = try await app.delivery(email: "bob@example.com", address: "3 Avenue Foch, Paris", latitude: 48.8700)
                let suspicious = try #require(try await upload(app, elsewhere, client, photo: "r05_picosdeeuropa.cropped")["photo"] as? [String: Any])
                let kinds = try #require(suspicious["reuse"] as? [[String: Any]]).compactMap { $0["kind"] as? String }
                #expect(kinds == ["other_address", "other_address"])
                var open = try await cases()
                #expect(open.count == 1 && open.first?["kind"] as? String == "photo_reused" && open.first?["delivery_id"] as? String == elsewhere.id)
                // A retake that is still the same picture adds no second case while the first is open.
                _ = try await upload(app, elsewhere, client, photo: "r05_picosdeeuropa.original")
                open = try await cases()
                #expect(open.count == 1)
                let file = try await client.execute(uri: "/api/v1/cases/\(try #require(open.first?["id"] as? String))", method: .get, headers: app.apiHeaders).json()
                #expect((file["reuse"] as? [[String: Any]])?.allSatisfy { $0["kind"] as? String == "other_address" } == true)

                // Doorstep's own kind is not one a recipient can file.
                let query = app.customerPath(first).split(separator: "?")[1]
                let forged = try await client.execute(
                    uri: "/d/\(first.id)/problem?\(query)", method: .post, headers: .form, body: ByteBuffer(string: "kind=photo_reused"))
                #expect(forged.status == .badRequest || forged.status == .unprocessableContent)
                #expect(try await cases().count == 1)
            }
        }
    }

    @Test func aPhotoReusedOnManyDeliveriesIsFlaggedAgainstTheClosestTenOnly() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                var earlier: [String] = []
                for _ in 0..<PerceptualHash.matchesKept + 2 {
                    let photo = try #require(try await upload(app, try await app.delivery(), client)["photo"] as? [String: Any])
                    let flags = try #require(photo["reuse"] as? [[String: Any]])
                    // Identical photos are all 0 bits apart: the ten are the ten lowest photo ids.
                    #expect(flags.compactMap { $0["photo_id"] as? String } == Array(earlier.sorted().prefix(PerceptualHash.matchesKept)))
                    earlier.append(try #require(photo["id"] as? String))
                }
            }
        }
    }

    @Test func aReceiptVerifiesAgainstThePublishedKeyOutlivesThePhotoAndFailsWhenChanged() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                let delivery = try await app.delivery()
                #expect(try await client.execute(uri: "/api/v1/deliveries/\(delivery.id)/receipt", method: .get, headers: app.apiHeaders).status == .notFound)
                let photo = try #require(try await upload(app, delivery, client)["photo"] as? [String: Any])
                let keys = try JSONDecoder().decode(
                    [String: [PublishedKey]].self,
                    from: Data(buffer: try await client.execute(uri: "/.well-known/doorstep-keys.json", method: .get).body))["keys"] ?? []
                #expect(keys.map(\.tenantID) == [app.tenant.id])

                func receipt(_ path: String, headers: HTTPFields = [:]) async throws -> SignedReceipt {
                    let response = try await client.execute(uri: path, method: .get, headers: headers)
                    #expect(response.status == .ok)
                    return try JSONDecoder().decode(SignedReceipt.self, from: Data(buffer: response.body))
                }
                let fromTenant = try await receipt("/api/v1/deliveries/\(delivery.id)/receipt", headers: app.apiHeaders)
                let payload = try JSONSerialization.jsonObject(with: Data(try fromTenant.verify(against: keys))) as? [String: Any]
                #expect(payload?["delivery_id"] as? String == delivery.id)
                let signedPhoto = try #require(payload?["photo"] as? [String: Any])
                #expect(signedPhoto["sha256"] as? String == photo["sha256"] as? String)
                #expect(signedPhoto["location"] as? String == "at-address" && signedPhoto["quality"] as? String == "ok")
                #expect(payload?.keys.contains("recipient") == false && !String(describing: payload).contains("ann@example.com"))

                // The customer downloads the same statement; after the photo is deleted it still stands.
                let customerPath = app.customerPath(delivery)
                let query = customerPath.split(separator: "?")[1]
                _ = try await client.execute(uri: "/d/\(delivery.id)/photo/delete?\(query)", method: .post)
                let afterDeletion = try await receipt("/d/\(delivery.id)/receipt?\(query)")
                #expect(try afterDeletion.verify(against: keys) == (try fromTenant.verify(against: keys)))

                // One changed byte of what was signed, or another tenant's key: refused.
                var tampered = fromTenant
                var bytes = try #require(Base64URL.decode(tampered.payload))
                let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "at-address", with: "near")
                bytes = Array(text.utf8)
                tampered.payload = Base64URL.encode(bytes)
                #expect(throws: SignedReceipt.VerificationError.badSignature) { try tampered.verify(against: keys) }
                let stranger = app.services.infrastructure.receipts.published(tenantIDs: ["another-tenant"])[0]
                var foreign = fromTenant
                foreign.tenantID = "another-tenant"
                #expect(throws: SignedReceipt.VerificationError.self) { try foreign.verify(against: keys + [stranger]) }
            }
        }
    }

    @Test func aReportedProblemIsACaseWithItsEvidenceThatOperatorsResolve() async throws {
        // No worker: the webhook messages stay in the outbox where the test reads them.
        try await TestApp.run(configure: { $0.outboxWorker = false }) { app in
            try await app.application.test(.router) { client in
                let endpoint = try await client.execute(
                    uri: "/api/v1/webhooks", method: .post, headers: app.apiHeaders,
                    body: try JSONSerialization.body(["url": "http://127.0.0.1:9/hooks", "event_types": ["delivery.problem_reported", "delivery.problem_resolved"]]))
                #expect(endpoint.status == .created)
                let endpointID = try #require(try endpoint.json()["id"] as? String)
                let delivery = try await app.delivery()
                _ = try await upload(app, delivery, client)
                let query = app.customerPath(delivery).split(separator: "?")[1]
                let reported = try await client.execute(
                    uri: "/d/\(delivery.id)/problem?\(query)", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: "kind=not_there&details=Nothing+on+the+porch"))
                #expect(reported.status == .seeOther)

                let open = try await client.execute(uri: "/api/v1/cases", method: .get, headers: app.apiHeaders).json()
                let items = try #require(open["items"] as? [[String: Any]])
                #expect(items.count == 1 && items.first?["status"] as? String == "open")
                let caseID = try #require(items.first?["id"] as? String)

                let file = try await client.execute(uri: "/api/v1/cases/\(caseID)", method: .get, headers: app.apiHeaders).json()
                #expect((file["problem"] as? [String: Any])?["kind"] as? String == "not_there")
                #expect((file["photo"] as? [String: Any])?["location"] as? String == "at-address")
                #expect(file["photo_url"] as? String == "/api/v1/deliveries/\(delivery.id)/photo")
                #expect((file["proofs"] as? [Any])?.count == 1 && (file["reuse"] as? [Any])?.isEmpty == true)
                #expect((file["receipt"] as? [String: Any])?["signature"] is String)

                let resolved = try await client.execute(
                    uri: "/api/v1/cases/\(caseID)/resolve", method: .post, headers: app.apiHeaders,
                    body: try JSONSerialization.body(["resolution": "Found at the neighbour's; redelivered."]))
                #expect(resolved.status == .ok)
                #expect(try resolved.json()["status"] as? String == "resolved")
                let again = try await client.execute(
                    uri: "/api/v1/cases/\(caseID)/resolve", method: .post, headers: app.apiHeaders,
                    body: try JSONSerialization.body(["resolution": "twice"]))
                #expect(again.status == .conflict)
                #expect((try await client.execute(uri: "/api/v1/cases", method: .get, headers: app.apiHeaders).json()["items"] as? [Any])?.isEmpty == true)
                // The tenant's webhook hears both: the case opened and the case resolved.
                let webhooks = try await app.services.store.outboxMessages(state: nil, endpointID: endpointID, limit: 50).map(\.event.type)
                #expect(Set(webhooks) == [.problemReported, .problemResolved])
            }
        }
    }
}
