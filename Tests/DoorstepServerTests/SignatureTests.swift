import DoorstepCore
import DoorstepSecurity
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

/// Where a tenant requires it instead of a code (`handover_proof: signature`), an attended delivery
/// is handed over against the recipient's signature drawn on the courier's screen: sealed and kept
/// like a photo, named in the receipt and shown in the pack, deleted with the recipient's photos.
@Suite struct SignatureTests {
    static func drawing(_ name: String) -> [UInt8] {
        Array(FileManager.default.contents(atPath: TestApp.repositoryRoot.appendingPathComponent("Tests/Fixtures/signature/\(name)").path) ?? Data())
    }

    func sign(
        _ client: some TestClientProtocol, _ app: TestApp, _ delivery: Delivery, query: String = "name=Camille%20Martin",
        body: [UInt8] = drawing("drawn_600x300.jpg")
    ) async throws -> TestResponse {
        try await client.execute(
            uri: "/api/v1/courier/deliveries/\(delivery.id)/signature?\(query)", method: .post, headers: app.courierHeaders(),
            body: ByteBuffer(bytes: body))
    }

    @Test func aSignatureHandsTheParcelOverAndIsKeptSealedShownAndDeletedLikeAPhoto() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery(email: "camille@example.com")
            let code = try #require(delivery.handoverCode)
            try await app.application.test(.router) { client in
                // A tenant that takes codes refuses a signature, before reading it.
                #expect(try await sign(client, app, delivery).status == .conflict)
                let set = try await client.execute(
                    uri: "/api/v1/settings", method: .patch, headers: app.apiHeaders, body: try JSONSerialization.body(["handover_proof": "signature"]))
                #expect(set.status == .ok)
                let bad = try await client.execute(
                    uri: "/api/v1/settings", method: .patch, headers: app.apiHeaders, body: try JSONSerialization.body(["handover_proof": "thumbprint"]))
                #expect(bad.status == .unprocessableContent || bad.status == .badRequest)

                // Now the stop says so, the code is neither shown to the recipient nor taken.
                let stops = try await client.execute(uri: "/api/v1/courier/deliveries", method: .get, headers: app.courierHeaders()).json()
                #expect((stops["items"] as? [[String: Any]])?.first?["handover_proof"] as? String == "signature")
                let before = try await client.execute(uri: app.customerPath(delivery), method: .get).text
                #expect(!before.contains(HandoverCode.display(code)))
                _ = try await client.execute(uri: "/api/v1/deliveries/\(delivery.id)/out-for-delivery", method: .post, headers: app.apiHeaders)
                let onItsWay = try await app.services.store.outboxMessages(state: nil, endpointID: nil, limit: 50)
                    .first { $0.event.type == .outForDelivery && $0.channel == .email }
                let message = try #require(onItsWay)
                let email = try #require(try await app.services.email.compose(message))
                #expect(!email.text.contains(HandoverCode.display(code)))
                let typed = try await client.execute(
                    uri: "/api/v1/courier/deliveries/\(delivery.id)/handover", method: .post, headers: app.courierHeaders(contentType: "application/json"),
                    body: try JSONSerialization.body(["code": code]))
                #expect(typed.status == .conflict)

                // A name too long is refused; so is anything that is not a drawing: a camera photo
                // (this route must not store one, whatever the recipient said about photos) or a
                // blank pad. The signature itself hands the parcel over.
                let long = try await sign(client, app, delivery, query: "name=" + String(repeating: "a", count: 101))
                #expect(long.status == .unprocessableContent)
                let photo = try await sign(client, app, delivery, body: Photos.jpeg)
                #expect(photo.status == .unprocessableContent && (try? photo.json())?["field"] as? String == "body")
                let blank = try await sign(client, app, delivery, body: Self.drawing("blank_600x300.jpg"))
                #expect(blank.status == .unprocessableContent)
                #expect(try await app.blobFiles().isEmpty)
                let signed = try await sign(client, app, delivery)
                #expect(signed.status == .created, "\(signed.text)")
                let answer = try signed.json()
                let stop = try #require(answer["delivery"] as? [String: Any])
                #expect(stop["state"] as? String == "delivered" && stop["placement"] as? String == "handed_to_resident" && stop["handed_over_at"] is String)
                let signatureID = try #require((answer["signature"] as? [String: Any])?["id"] as? String)
                #expect((answer["signature"] as? [String: Any])?["kind"] as? String == "signature")
                // Once: a second signature is a conflict, and "delivered" was queued once.
                #expect(try await sign(client, app, delivery).status == .conflict)
                let delivered = try await app.services.store.outboxMessages(state: nil, endpointID: nil, limit: 50).filter { $0.event.type == .delivered }
                #expect(delivered.count == 1 && delivered.first?.event.photoID == signatureID)

                // Stored sealed, never the delivery's photo; the tenant sees it as a proof with the name.
                let view = try await client.execute(uri: "/api/v1/deliveries/\(delivery.id)", method: .get, headers: app.apiHeaders).json()
                #expect(view["photo"] == nil && (view["photos"] as? [Any])?.isEmpty == true)
                let proof = try #require((view["proofs"] as? [[String: Any]])?.first)
                #expect(proof["kind"] as? String == "signature" && proof["signed_by"] as? String == "Camille Martin" && proof["photo_id"] as? String == signatureID)
                let blobs = try await app.blobContents()
                #expect(blobs.count == 2 && blobs.values.allSatisfy { !$0.starts(with: [0xFF, 0xD8]) })

                // The receipt names it by digest; the page says so and offers to delete it; the pack shows it.
                let current = try #require(try await app.services.store.delivery(id: delivery.id))
                let receipt = try #require(try await app.services.evidence.receipt(for: current))
                let statement = try #require(Base64URL.decode(receipt.payload))
                let payload = try JSONSerialization.jsonObject(with: Data(statement)) as? [String: Any]
                let named = try #require(payload?["signature"] as? [String: Any])
                #expect(named["id"] as? String == signatureID && named["sha256"] as? String == proof["sha256"] as? String && payload?["photo"] == nil)
                #expect(!String(decoding: statement, as: UTF8.self).contains("Camille Martin"))
                let page = try await client.execute(uri: app.customerPath(delivery), method: .get).text
                #expect(page.contains("Handed over in person, against your signature") && page.contains("data-signature"))
                let pdf = try await client.execute(uri: "/api/v1/deliveries/\(delivery.id)/evidence.pdf?language=en", method: .get, headers: app.apiHeaders)
                #expect(pdf.status == .ok)
                let stored = try #require(try await app.services.store.photo(id: signatureID))
                let drawing = try await app.services.vault.read(stored, variant: .display)
                #expect(Array(pdf.body.readableBytesView).firstRange(of: drawing) != nil)

                // Handed over in person: no doorstep photo follows.
                let afterwards = try await client.execute(
                    uri: app.uploadPath(delivery), method: .post, headers: app.courierHeaders(), body: ByteBuffer(bytes: Photos.jpeg))
                #expect(afterwards.status == .conflict)

                // The recipient's delete takes the signature too, and the name written beside it.
                let query = app.customerPath(delivery).split(separator: "?")[1]
                #expect(try await client.execute(uri: "/d/\(delivery.id)/photo/delete?\(query)", method: .post).status == .seeOther)
                #expect(try await app.services.store.photo(id: signatureID) == nil)
                #expect(try await app.blobFiles().isEmpty)
                let gone = try await client.execute(uri: "/api/v1/deliveries/\(delivery.id)", method: .get, headers: app.apiHeaders).json()
                let left = try #require((gone["proofs"] as? [[String: Any]])?.first)
                #expect(left["kind"] as? String == "signature" && left["signed_by"] == nil && left["deleted_reason"] as? String == "customer_link")
                let page2 = try await client.execute(uri: app.customerPath(delivery), method: .get).text
                #expect(page2.contains("Handed over in person, against your signature") && !page2.contains("data-signature"))
            }
        }
    }
}
