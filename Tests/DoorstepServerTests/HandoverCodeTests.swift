import DoorstepCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

/// The handover code of an attended delivery: the recipient's page and the tenant show it, the
/// courier never receives it, and typing it at the door delivers with no photo, in a few tries.
@Suite struct HandoverCodeTests {
    func handOver(_ client: some TestClientProtocol, _ app: TestApp, _ delivery: Delivery, _ code: String) async throws -> TestResponse {
        try await client.execute(
            uri: "/api/v1/courier/deliveries/\(delivery.id)/handover", method: .post, headers: app.courierHeaders(contentType: "application/json"),
            body: try JSONSerialization.body(["code": code]))
    }

    @Test func theRightCodeHandsTheParcelOverWithNoPhotoAndWrongOnesAreCountedAndBounded() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery()
            let code = try #require(delivery.handoverCode)
            #expect(HandoverCode.normalized(code) == code)
            try await app.application.test(.router) { client in
                // The recipient's page shows it; the tenant's API has it; the courier's stops do not.
                let page = try await client.execute(uri: app.customerPath(delivery), method: .get).text
                #expect(page.contains(HandoverCode.display(code)))
                let api = try await client.execute(uri: "/api/v1/deliveries/\(delivery.id)", method: .get, headers: app.apiHeaders).json()
                #expect(api["handover_code"] as? String == code)
                let stops = try await client.execute(uri: "/api/v1/courier/deliveries", method: .get, headers: app.courierHeaders())
                #expect(!stops.text.contains(code) && !stops.text.contains("handover_code"))

                // Malformed: refused, not counted. Wrong: counted, with the tries left.
                #expect(try await handOver(client, app, delivery, "12").status == .unprocessableContent)
                let wrong = String(code.map { $0 == "9" ? "0" : Character(String(Int(String($0))! + 1)) })
                let first = try await handOver(client, app, delivery, wrong)
                #expect(first.status == .unprocessableContent)
                #expect(try (first.json()["detail"] as? String)?.contains("4 tries left") == true)
                // Spaces and dashes as a person types them are fine.
                let spaced = String(code.prefix(3)) + " - " + String(code.suffix(3))
                let done = try await handOver(client, app, delivery, spaced)
                #expect(done.status == .ok)
                let body = try done.json()
                #expect(body["state"] as? String == "delivered" && body["placement"] as? String == "handed_to_resident")
                #expect(body["handed_over_at"] is String && body["handover_code"] == nil)
                #expect(try await app.blobFiles().isEmpty)
                #expect(try await handOver(client, app, delivery, code).status == .conflict)

                let after = try await client.execute(uri: app.customerPath(delivery), method: .get).text
                #expect(after.contains("Handed over in person, with your code") && !after.contains(HandoverCode.display(code)))
            }
        }
    }

    @Test func fiveWrongCodesLockTheCodeEvenForTheRightOne() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery()
            let code = try #require(delivery.handoverCode)
            let wrong = code == "000000" ? "111111" : "000000"
            try await app.application.test(.router) { client in
                for left in (0..<HandoverCode.maxFailures).reversed() {
                    let response = try await handOver(client, app, delivery, wrong)
                    #expect(response.status == .unprocessableContent)
                    #expect(try (response.json()["detail"] as? String)?.contains("\(left) tr") == true)
                }
                #expect(try await handOver(client, app, delivery, code).status == .conflict)
                #expect(try await app.services.store.delivery(id: delivery.id)?.state != .delivered)
                // Another courier's stop is not theirs to try.
                let other = try await app.delivery(courierID: .some(nil))
                #expect(try await handOver(client, app, other, try #require(other.handoverCode)).status == .notFound)
            }
        }
    }
}
