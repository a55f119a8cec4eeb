import DoorstepCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

/// Creating deliveries the way integrations do: retried with an Idempotency-Key, and a day's
/// manifest in one all-or-nothing batch that names every failing item.
@Suite struct DeliveryCreationTests {
    static func item(_ reference: String, email: String = "ann@example.com", latitude: Double = 48.85) -> [String: Any] {
        ["order_reference": reference, "address": "1 Main St", "latitude": latitude, "longitude": 2.35,
         "recipient": ["name": "Ann", "email": email, "language": "en"]]
    }

    @Test func aRetriedCreationWithItsKeyMakesOneDelivery() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                var headers = app.apiHeaders
                headers[.idempotencyKey] = "order-77-create"
                let body = try JSONSerialization.data(withJSONObject: Self.item("R-77"))
                let first = try await client.execute(uri: "/api/v1/deliveries", method: .post, headers: headers, body: ByteBuffer(data: body))
                #expect(first.status == .created)
                #expect(first.headers[.idempotentReplayed] == nil)
                let again = try await client.execute(uri: "/api/v1/deliveries", method: .post, headers: headers, body: ByteBuffer(data: body))
                #expect(again.status == .created)
                #expect(again.headers[.idempotentReplayed] == "true")
                #expect(try again.json()["id"] as? String == (try first.json()["id"] as? String))
                #expect(again.headers[.location] == first.headers[.location])
                // The same key with another body is the client's mistake, and changes nothing.
                let other = try JSONSerialization.data(withJSONObject: Self.item("R-78"))
                let reused = try await client.execute(uri: "/api/v1/deliveries", method: .post, headers: headers, body: ByteBuffer(data: other))
                #expect(reused.status == .unprocessableContent)
                #expect(try reused.json()["type"] as? String == "/problems/idempotency-key-reused")
                // Without a key, the order reference still guards against a double creation.
                let twice = try await client.execute(uri: "/api/v1/deliveries", method: .post, headers: app.apiHeaders, body: ByteBuffer(data: body))
                #expect(twice.status == .conflict)
                let page = try await app.services.deliveries.list(for: app.tenant, limit: 50, cursor: nil)
                #expect(page.deliveries.map(\.orderReference) == ["R-77"])
                headers[.idempotencyKey] = "bad key with spaces"
                let malformed = try await client.execute(uri: "/api/v1/deliveries", method: .post, headers: headers, body: ByteBuffer(data: other))
                #expect(try malformed.json()["field"] as? String == "Idempotency-Key")
            }
        }
    }

    /// Racing requests with one key: one delivery, and every answer names it.
    @Test func twinCreationsWithOneKeyMakeOneDelivery() async throws {
        try await TestApp.run { app in
            let input = NewDelivery(
                orderReference: "T-1", recipient: Recipient(name: "A", email: "a@example.com", language: .en),
                address: "1 Main St", latitude: 1, longitude: 1)
            let service = app.services.deliveries, tenant = app.tenant
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await service.create([input], for: tenant, idempotency: .init(key: "twin", fingerprint: "same"), asBatch: false).deliveries[0].id
                    }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(ids.count == 1)
            #expect(try await service.list(for: tenant, limit: 50, cursor: nil).deliveries.count == 1)
        }
    }

    @Test func aBatchIsCreatedWholeOrNamesEveryFailingItem() async throws {
        try await TestApp.run { app in
            _ = try await app.services.deliveries.create(
                NewDelivery(orderReference: "OLD-1", recipient: Recipient(name: "A", email: "a@example.com", language: .en),
                            address: "1 Main St", latitude: 1, longitude: 1), for: app.tenant)
            try await app.application.test(.router) { client in
                func post(_ items: [[String: Any]], key: String? = nil) async throws -> TestResponse {
                    try await post(try JSONSerialization.data(withJSONObject: ["deliveries": items]), key: key)
                }
                func post(_ body: Data, key: String? = nil) async throws -> TestResponse {
                    var headers = app.apiHeaders
                    if let key { headers[.idempotencyKey] = key }
                    return try await client.execute(uri: "/api/v1/deliveries/batch", method: .post, headers: headers, body: ByteBuffer(data: body))
                }
                let bad = try await post([
                    Self.item("B-0"), Self.item("B-1", email: "not-an-email"), Self.item("OLD-1"), Self.item("B-0"),
                    Self.item("B-4", latitude: 91),
                ])
                #expect(bad.status == .unprocessableContent)
                let json = try bad.json()
                #expect(json["type"] as? String == "/problems/batch-invalid")
                let errors = try #require(json["errors"] as? [[String: Any]])
                #expect(errors.map { "\($0["index"] as? Int ?? -1) \($0["field"] as? String ?? "")" }
                        == ["1 recipient.email", "3 order_reference", "4 latitude"])
                #expect(try await app.services.deliveries.list(for: app.tenant, limit: 50, cursor: nil).deliveries.count == 1, "nothing was created")

                // Valid items, but one reference the tenant already used: found in the store, still nothing created.
                let taken = try await post([Self.item("C-0"), Self.item("OLD-1"), Self.item("C-2")])
                #expect((try taken.json()["errors"] as? [[String: Any]])?.compactMap { $0["index"] as? Int } == [1])
                // A batch of one is still a batch: its failure names the item, it is not a 409.
                let one = try await post([Self.item("OLD-1")])
                #expect(one.status == .unprocessableContent)
                #expect((try one.json()["errors"] as? [[String: Any]])?.first?["index"] as? Int == 0)
                #expect(try await app.services.deliveries.list(for: app.tenant, limit: 50, cursor: nil).deliveries.count == 1)

                let manifest = (0..<DeliveryService.maxBatch).map { Self.item("M-\($0)") }
                // A retry sends the same bytes (the key is bound to the body, byte for byte).
                let manifestBody = try JSONSerialization.data(withJSONObject: ["deliveries": manifest])
                let created = try await post(manifestBody, key: "manifest-2026-12-03")
                #expect(created.status == .created, "\(created.text.prefix(300))")
                let items = try #require(try created.json()["items"] as? [[String: Any]])
                #expect(items.compactMap { $0["order_reference"] as? String } == manifest.compactMap { $0["order_reference"] as? String })
                let replay = try await post(manifestBody, key: "manifest-2026-12-03")
                #expect(replay.status == .created)
                #expect(replay.headers[.idempotentReplayed] == "true")
                #expect((try replay.json()["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == items.compactMap { $0["id"] as? String })

                let tooMany = try await post((0...DeliveryService.maxBatch).map { Self.item("X-\($0)") })
                #expect(tooMany.status == .unprocessableContent)
                #expect(try tooMany.json()["field"] as? String == "deliveries")
                let empty = try await post([])
                #expect(empty.status == .unprocessableContent)
                let shape = try await client.execute(
                    uri: "/api/v1/deliveries/batch", method: .post, headers: app.apiHeaders,
                    body: ByteBuffer(string: #"{"deliveries": [{"order_reference": "S-0"}, {"order_reference": "S-1", "latitude": "north"}]}"#))
                #expect(try shape.json()["field"] as? String == "deliveries[0].recipient")
            }
        }
    }
}
