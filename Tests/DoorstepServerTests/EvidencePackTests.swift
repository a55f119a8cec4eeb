import Crypto
import DoorstepCore
import DoorstepSecurity
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

/// The evidence pack through the tenant API: the PDF embeds the stored photo's own JPEG bytes,
/// and the processors' mapping states the visits, the report and the receipt's digest.
@Suite struct EvidencePackTests {
    func get(_ client: some TestClientProtocol, _ app: TestApp, _ path: String) async throws -> TestResponse {
        try await client.execute(uri: path, method: .get, headers: app.apiHeaders)
    }

    @Test func aDeliveredParcelsPackHoldsThePhotoTheVisitsTheReportAndTheReceipt() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                let delivery = try await app.delivery(language: .fr)
                let marked = try await client.execute(uri: "/api/v1/deliveries/\(delivery.id)/out-for-delivery", method: .post, headers: app.apiHeaders)
                let onBoard = try #require(try marked.json()["out_for_delivery_at"] as? String)
                try await app.upload(delivery, client: client)
                // The recipient opens the page and the photo, then says the parcel is not there.
                #expect(try await client.execute(uri: app.customerPath(delivery), method: .get).status == .ok)
                let display = try await client.execute(uri: app.displayPhotoPath(delivery), method: .get)
                let stored = Array(display.body.readableBytesView)
                #expect(stored.starts(with: [0xFF, 0xD8]))
                let query = app.customerPath(delivery).split(separator: "?")[1]
                let reported = try await client.execute(
                    uri: "/d/\(delivery.id)/problem?\(query)", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: "kind=not_there&details=Rien+devant+la+porte"))
                #expect(reported.status == .seeOther)

                let response = try await get(client, app, "/api/v1/deliveries/\(delivery.id)/evidence.pdf")
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/pdf")
                #expect(response.headers[.contentDisposition] == "attachment; filename=\"proof-of-delivery-\(delivery.orderReference).pdf\"")
                let pdf = Array(response.body.readableBytesView)
                #expect(pdf.starts(with: Array("%PDF-".utf8)))
                // The photo is embedded as the stored JPEG's own bytes, never re-encoded.
                #expect(pdf.firstRange(of: stored) != nil)
                #expect(pdf.count < 4_000_000)
                // Rendering read the photo: audited as a download by the calling key.
                let events = try await app.services.store.accessEvents(deliveryID: delivery.id)
                #expect(events.contains { $0.action == .download && $0.actor == .apiKey })

                let answer = try await get(client, app, "/api/v1/deliveries/\(delivery.id)/evidence")
                #expect(answer.status == .ok)
                let mapping = try answer.json()
                #expect(mapping["format"] as? String == "doorstep-evidence/1")
                #expect(mapping["language"] as? String == "fr")
                let facts = try #require(mapping["facts"] as? [String: Any])
                #expect(facts["state"] as? String == "delivered")
                #expect(facts["recipient_visits_after_delivery"] as? Int == 2)
                #expect(facts["open_reports"] as? Int == 1)
                #expect(facts["out_for_delivery_at"] as? String == onBoard)
                #expect(facts["reuse_same_address"] as? Int == 0 && facts["reuse_other_address"] as? Int == 0)
                let receipt = try #require(try await app.services.evidence.receipt(for: try await app.services.deliveries.get(delivery.id, for: app.tenant)))
                let digest = Hex.encode(SHA256.hash(data: try #require(Base64URL.decode(receipt.payload))))
                #expect(facts["receipt_sha256"] as? String == digest)
                let stripe = try #require((mapping["stripe"] as? [String: Any])?["evidence"] as? [String: Any])
                #expect(stripe["shipping_tracking_number"] as? String == delivery.orderReference)
                #expect(stripe["shipping_address"] as? String == "1 Main St")
                let summary = try #require(stripe["uncategorized_text"] as? String)
                #expect(summary.contains("Livré") && summary.contains(digest))
                let document = try #require(mapping["document"] as? [String: Any])
                #expect(document["path"] as? String == "/api/v1/deliveries/\(delivery.id)/evidence.pdf")
                // Three more reports of 900 lines each, the most a link holder may write: cut to a
                // paragraph each in the PDF, which stays within its pages rather than failing.
                for _ in 0..<3 {
                    let long = try await client.execute(
                        uri: "/d/\(delivery.id)/problem?\(query)", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                        body: ByteBuffer(string: "kind=other&details=" + String(repeating: "x%0A", count: 900)))
                    #expect(long.status == .seeOther)
                }
                let crowded = try await get(client, app, "/api/v1/deliveries/\(delivery.id)/evidence.pdf")
                #expect(crowded.status == .ok)
                #expect(((try await get(client, app, "/api/v1/deliveries/\(delivery.id)/evidence").json()["facts"] as? [String: Any])?["open_reports"] as? Int) == 4)
                let english = try await get(client, app, "/api/v1/deliveries/\(delivery.id)/evidence?language=en")
                #expect(((try english.json()["stripe"] as? [String: Any])?["evidence"] as? [String: Any])?["uncategorized_text"].map { "\($0)".contains("Delivered") } == true)
            }
        }
    }

    @Test func aParcelNotYetDeliveredHasAPackThatSaysSoAndAnUnknownLanguageIsRefused() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                let delivery = try await app.delivery()
                let response = try await get(client, app, "/api/v1/deliveries/\(delivery.id)/evidence.pdf")
                #expect(response.status == .ok)
                #expect(Array(response.body.readableBytesView).starts(with: Array("%PDF-".utf8)))
                let facts = try #require(try await get(client, app, "/api/v1/deliveries/\(delivery.id)/evidence").json()["facts"] as? [String: Any])
                #expect(facts["state"] as? String == "created")
                #expect(facts["receipt_sha256"] == nil && facts["photos"] as? Int == 0)
                let refused = try await get(client, app, "/api/v1/deliveries/\(delivery.id)/evidence.pdf?language=xx")
                #expect(refused.status == .unprocessableContent)
                #expect(try refused.json()["type"] as? String == "/problems/invalid-input")
            }
        }
    }
}
