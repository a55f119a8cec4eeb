import DoorstepCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

/// The recipient's safe place or neighbour: chosen on their page before delivery, seen by the
/// tenant and the courier, and the only way a parcel may be left with a neighbour.
@Suite struct DropChoiceTests {
    func choose(_ client: some TestClientProtocol, _ app: TestApp, _ delivery: Delivery, _ form: String) async throws -> TestResponse {
        let query = app.customerPath(delivery).split(separator: "?")[1]
        return try await client.execute(uri: "/d/\(delivery.id)/drop?\(query)", method: .post, headers: .form, body: ByteBuffer(string: form))
    }

    func deliverWithoutPhoto(_ client: some TestClientProtocol, _ app: TestApp, _ delivery: Delivery, _ placement: String) async throws -> TestResponse {
        try await client.execute(
            uri: "/api/v1/courier/deliveries/\(delivery.id)/delivered", method: .post, headers: app.courierHeaders(contentType: "application/json"),
            body: try JSONSerialization.body(["placement": placement]))
    }

    @Test func aNeighbourChosenByTheRecipientIsShownToTheCourierAndIsTheOnlyWayToLeaveItWithOne() async throws {
        try await TestApp.run { app in
            let chosen = try await app.delivery(), unchosen = try await app.delivery()
            try await app.application.test(.router) { client in
                let saved = try await choose(client, app, chosen, "kind=neighbour&details=No.+14%2C+blue+door")
                #expect(saved.status == .seeOther && saved.headers[.location]?.hasSuffix("&done=drop") == true)
                let page = try await client.execute(uri: app.customerPath(chosen) + "&done=drop", method: .get).text
                #expect(page.contains("Saved: the courier will see it.") && page.contains(#"value="neighbour" required checked"#))
                #expect(page.contains(#"value="No. 14, blue door""#))

                // The tenant and the courier see it; the courier, still, not the recipient's email.
                let api = try await client.execute(uri: "/api/v1/deliveries/\(chosen.id)", method: .get, headers: app.apiHeaders).json()
                let choice = try #require(api["drop_choice"] as? [String: Any])
                #expect(choice["kind"] as? String == "neighbour" && choice["details"] as? String == "No. 14, blue door")
                let stops = try await client.execute(uri: "/api/v1/courier/deliveries", method: .get, headers: app.courierHeaders()).json()
                let stop = try #require((stops["items"] as? [[String: Any]])?.first { $0["id"] as? String == chosen.id })
                #expect((stop["drop_choice"] as? [String: Any])?["details"] as? String == "No. 14, blue door")

                // With a neighbour: refused where nobody chose one (by photo or without), taken where the recipient did.
                let refused = try await deliverWithoutPhoto(client, app, unchosen, "with_neighbour")
                #expect(refused.status == .conflict)
                #expect(try refused.json()["type"] as? String == "/problems/conflict")
                let upload = try await client.execute(
                    uri: app.uploadPath(unchosen, query: "placement=with_neighbour&lat=48.8566&lon=2.3522"), method: .post,
                    headers: app.courierHeaders(key: UUID().uuidString), body: ByteBuffer(bytes: Photos.jpeg))
                #expect(upload.status == .conflict)
                #expect(try await app.blobFiles().isEmpty)
                #expect(try await deliverWithoutPhoto(client, app, chosen, "with_neighbour").status == .ok)

                // Delivered: the page says what was chosen, and the choice no longer changes.
                let after = try await client.execute(uri: app.customerPath(chosen), method: .get).text
                #expect(after.contains("With a neighbour: No. 14, blue door") && !after.contains("/drop?"))
                #expect(try await choose(client, app, chosen, "kind=none").status == .conflict)
                #expect(try await app.services.store.delivery(id: chosen.id)?.dropChoice?.details == "No. 14, blue door")
            }
        }
    }

    @Test func aChoiceIsBoundedAndCanBeCleared() async throws {
        // More tries than a link's 10 actions per 10 minutes: the limit is another test's subject.
        try await TestApp.run(configure: { $0.rateLimits = nil }) { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                for bad in ["kind=neighbour&details=", "kind=safe_place&details=" + String(repeating: "x", count: DropChoice.maxDetails + 1),
                            "kind=garden&details=shed", "details=shed", "kind=safe_place&details=a%00b",
                            // One line, no invisible reordering: the words reach a courier's screen and a processor's text evidence.
                            "kind=safe_place&details=gate%0AStatus%3A+Not+delivered", "kind=neighbour&details=No.+%E2%80%AE21",
                            // 120 characters, 240 code points (thumbs-up and a skin tone): the schema counts code points.
                            "kind=neighbour&details=" + String(repeating: "%F0%9F%91%8D%F0%9F%8F%BD", count: 120)] {
                    #expect(try await choose(client, app, delivery, bad).status == .unprocessableContent, "\(bad)")
                }
                #expect(try await app.services.store.delivery(id: delivery.id)?.dropChoice == nil)
                #expect(try await choose(client, app, delivery, "kind=safe_place&details=Behind+the+side+gate").status == .seeOther)
                #expect(try await app.services.store.delivery(id: delivery.id)?.dropChoice?.kind == .safePlace)
                #expect(try await choose(client, app, delivery, "kind=none").status == .seeOther)
                #expect(try await app.services.store.delivery(id: delivery.id)?.dropChoice == nil)
                // Erasure blanks what the recipient wrote.
                #expect(try await choose(client, app, delivery, "kind=safe_place&details=Behind+the+side+gate").status == .seeOther)
                try await app.services.store.eraseRecipientData(deliveryID: delivery.id, at: app.clock.now)
                #expect(try await app.services.store.delivery(id: delivery.id)?.dropChoice?.details == "")
            }
        }
    }
}
