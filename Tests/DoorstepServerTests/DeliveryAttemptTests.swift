import DoorstepCore
import DoorstepSecurity
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

/// Failed delivery attempts: the courier records why (and where photos are allowed, the door),
/// the recipient hears "we tried", the tenant gets `delivery.attempted`, the delivery stays open,
/// and the door photo is a photo like any other for privacy, but never "the delivery's photo".
@Suite struct DeliveryAttemptTests {
    func attempt(
        _ client: some TestClientProtocol, _ app: TestApp, _ delivery: Delivery, query: String, photo: [UInt8]? = Photos.jpeg
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.authorization: "Bearer \(app.courierToken)"]
        if photo != nil { headers[.contentType] = "image/jpeg" }
        return try await client.execute(
            uri: "/api/v1/courier/deliveries/\(delivery.id)/attempts?\(query)", method: .post, headers: headers,
            body: photo.map { ByteBuffer(bytes: $0) })
    }

    @Test func anAttemptWithADoorPhotoIsToldToTheRecipientAndTheTenantAndTheDeliveryStaysOpen() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery(email: "ann@example.com", phone: "+33612345678")
            try await app.application.test(.router) { client in
                let response = try await attempt(client, app, delivery, query: "reason=nobody_home&note=Rang%20twice&lat=48.8566&lon=2.3522")
                #expect(response.status == .created, "\(response.text)")
                let body = try response.json()
                let recorded = try #require(body["attempt"] as? [String: Any])
                let attemptID = try #require(recorded["id"] as? String)
                #expect(recorded["reason"] as? String == "nobody_home" && recorded["note"] as? String == "Rang twice")
                let photo = try #require(body["photo"] as? [String: Any])
                #expect(recorded["photo_id"] as? String == photo["id"] as? String && photo["location"] as? String == "at-address")
                #expect((body["delivery"] as? [String: Any])?["state"] as? String != "delivered")
                #expect((body["delivery"] as? [String: Any])?["recipient"].flatMap { ($0 as? [String: Any])?["email"] } == nil)

                // The recipient hears it by email and text, with the page to choose a safe place.
                let messages = try await app.services.store.outboxMessages(state: nil, endpointID: nil, limit: 100).filter { $0.event.type == .attempted }
                #expect(Set(messages.map(\.channel)) == [.email, .sms])
                let emailMessage = try #require(messages.first { $0.channel == .email })
                let smsMessage = try #require(messages.first { $0.channel == .sms })
                let email = try #require(try await app.services.email.compose(emailMessage))
                #expect(email.subject == "We missed you: your parcel was not delivered")
                #expect(email.text.contains("Nobody was at home.") && email.text.contains(app.services.links.customerURL(for: delivery)))
                let text = try #require(try await app.services.sms.compose(smsMessage))
                #expect(text.text.body.hasPrefix("We tried to deliver your parcel."))
                // The tenant's webhook names the attempt and its reason.
                let event = try #require(messages.first?.event)
                #expect(event.id == attemptID)
                let payload = try JSONSerialization.jsonObject(with: Data(try await app.services.webhooks.payload(for: event))) as? [String: Any]
                let data = try #require(payload?["data"] as? [String: Any])
                #expect(payload?["type"] as? String == "delivery.attempted")
                #expect(data["attempt_id"] as? String == attemptID && data["attempt_reason"] as? String == "nobody_home")

                // The tenant sees the attempt, and the door photo only as a proof with its attempt.
                let api = try await client.execute(uri: "/api/v1/deliveries/\(delivery.id)", method: .get, headers: app.apiHeaders).json()
                let attempts = try #require(api["attempts"] as? [[String: Any]])
                #expect(attempts.count == 1 && attempts[0]["id"] as? String == attemptID)
                #expect(api["photo"] == nil)
                let proofs = try #require(api["proofs"] as? [[String: Any]])
                #expect(proofs.count == 1 && proofs[0]["attempt_id"] as? String == attemptID)

                // The recipient's page says so, and what they can do.
                let page = try await client.execute(uri: app.customerPath(delivery), method: .get).text
                #expect(page.contains("data-attempts") && page.contains("Nobody was at home.") && page.contains("took a photo of your door"))

                // The delivery photo comes later; the door photo is not replaced by it.
                let photoID = try await app.upload(delivery, client: client)
                let current = try #require(try await app.services.store.currentPhoto(deliveryID: delivery.id))
                #expect(current.id == photoID && current.attemptID == nil)
                let live = try await app.services.store.photoProofs(deliveryID: delivery.id).filter { $0.deletedAt == nil }
                #expect(live.count == 2)
                // The receipt is about the delivery's photo, not the door's.
                let deliveredNow = try #require(try await app.services.store.delivery(id: delivery.id))
                let receipt = try #require(try await app.services.evidence.receipt(for: deliveredNow))
                let payloadJSON = try #require(Base64URL.decode(receipt.payload))
                #expect(String(decoding: payloadJSON, as: UTF8.self).contains(current.display.sha256))

                // Delivered: no more attempts.
                #expect(try await attempt(client, app, delivery, query: "reason=nobody_home", photo: nil).status == .conflict)

                // The pack lists the attempt and shows both photos; the processors' facts count one photo.
                let delivered = try #require(try await app.services.store.delivery(id: delivery.id))
                let facts = try await app.services.evidencePacks.facts(for: delivered, tenant: app.tenant, withPhoto: true)
                #expect(facts.attempts.count == 1 && facts.photos.filter { $0.jpeg != nil }.count == 2 && facts.deliveryPhotos.count == 1)
                #expect(facts.timeline.map(\.kind).contains(.attempt))
                let pack = try await app.services.evidencePacks.pdf(for: delivered, tenant: app.tenant, language: .en, by: .apiKey, actorID: nil)
                #expect(pack.pages <= EvidencePackDocument.maxPages)
                let mapping = try await client.execute(uri: "/api/v1/deliveries/\(delivery.id)/evidence", method: .get, headers: app.apiHeaders).json()
                let machine = try #require(mapping["facts"] as? [String: Any])
                #expect(machine["photos"] as? Int == 1 && (machine["attempts"] as? [[String: Any]])?.first?["reason"] as? String == "nobody_home")
            }
        }
    }

    @Test func attemptsNeedAReasonAreBoundedEvenWhenSentAtOnceAndGoWithoutAPhotoWhereNoneMayBeTaken() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                #expect(try await attempt(client, app, delivery, query: "note=x", photo: nil).status == .unprocessableContent)
                #expect(try await attempt(client, app, delivery, query: "reason=gone_fishing", photo: nil).status == .unprocessableContent)
                #expect(try await attempt(client, app, delivery, query: "reason=nobody_home&lat=1", photo: nil).status == .unprocessableContent)
                // Another courier's stop is not theirs.
                let other = try await app.delivery(courierID: .some(nil))
                #expect(try await attempt(client, app, other, query: "reason=nobody_home", photo: nil).status == .notFound)

                // The recipient said no to photos: the door photo is refused, the attempt alone is not.
                let optedOut = try await client.execute(
                    uri: app.preferencesPath(delivery), method: .post, headers: .form, body: .init(string: "choice=opted_out"))
                #expect(optedOut.status == .ok)
                let refused = try await attempt(client, app, delivery, query: "reason=no_safe_place")
                #expect(refused.status == .conflict)
                #expect(try refused.json()["type"] as? String == "/problems/photo-not-allowed")
                let alone = try await attempt(client, app, delivery, query: "reason=no_safe_place", photo: nil)
                #expect(alone.status == .created)
                #expect(try alone.json()["photo"] == nil)
            }
            // Twelve at once: the cap holds under the delivery's lock (ten in all, one already there).
            let results = try await app.application.test(.router) { client in
                try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                    for _ in 0..<12 {
                        group.addTask { try await attempt(client, app, delivery, query: "reason=access_impossible", photo: nil).status }
                    }
                    return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
                }
            }
            #expect(results.filter { $0 == .created }.count == DeliveryAttempt.maxPerDelivery - 1)
            #expect(results.filter { $0 == .conflict }.count == 12 - (DeliveryAttempt.maxPerDelivery - 1))
            #expect(try await app.services.store.attempts(deliveryID: delivery.id).count == DeliveryAttempt.maxPerDelivery)
            // Ten attempts still make a pack within the processors' pages.
            let crowded = try #require(try await app.services.store.delivery(id: delivery.id))
            let pack = try await app.services.evidencePacks.pdf(for: crowded, tenant: app.tenant, language: .fr, by: .apiKey, actorID: nil)
            #expect(pack.pages <= EvidencePackDocument.maxPages)
        }
    }

    @Test func theDoorPhotoGoesWithTheRecipientsDeleteAndWithRetentionLeavingNoProofThumbnail() async throws {
        try await TestApp.run { app in
            let first = try await app.delivery()
            let second = try await app.delivery()
            try await app.application.test(.router) { client in
                #expect(try await attempt(client, app, first, query: "reason=nobody_home").status == .created)
                #expect(try await attempt(client, app, second, query: "reason=nobody_home").status == .created)
                // The recipient deletes it from their page: gone, and a delivery photo may still be taken.
                let query = app.customerPath(first).split(separator: "?")[1]
                let deleted = try await client.execute(uri: "/d/\(first.id)/photo/delete?\(query)", method: .post)
                #expect(deleted.status == .seeOther)
                let proofs = try await app.services.store.photoProofs(deliveryID: first.id)
                #expect(proofs.count == 1 && proofs[0].deletedReason == .customerLink && proofs[0].attemptID != nil)
                try await app.upload(first, client: client)
            }
            // Retention: the door photo is deleted outright, with no proof thumbnail for the dispute window.
            app.clock.advance(by: TenantSettings.defaultRetention + 1)
            #expect(try await app.services.retentionSweeper.sweepOnce() >= 2)
            #expect(try await app.services.store.proofThumbnails(deliveryID: second.id).isEmpty)
            #expect(try await app.services.store.photoProofs(deliveryID: second.id).allSatisfy { $0.deletedReason == .expired })
            #expect(try await app.services.store.proofThumbnails(deliveryID: first.id).count == 1)
            // Erasure removes the courier's notes with the rest.
            _ = try await app.services.privacy.erase(
                tenantID: app.tenant.id, contact: try RecipientContact(email: "ann@example.com", phone: nil), by: .apiKey, actorID: nil)
            #expect(try await app.services.store.attempts(deliveryID: second.id).allSatisfy { $0.note == nil })
        }
    }
}
