import DoorstepCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

@Suite struct TenantAPITests {
    static var newDelivery: [String: Any] { [
        "order_reference": "A-100",
        "recipient": ["name": "Camille", "email": "Camille@Example.com", "language": "fr"],
        "address": "4 Rue des Lilas, Paris", "latitude": 48.8566, "longitude": 2.3522,
        "instructions": "Code 1234",
    ] }

    @Test func aTenantCreatesReadsAndListsItsDeliveries() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                var body = Self.newDelivery
                body["courier_id"] = app.courier.id
                let created = try await client.execute(uri: "/api/v1/deliveries", method: .post, headers: app.apiHeaders, body: try JSONSerialization.body(body))
                #expect(created.status == .created)
                let json = try created.json()
                let id = try #require(json["id"] as? String)
                #expect(created.headers[.location] == "/api/v1/deliveries/\(id)")
                #expect(json["state"] as? String == "created")
                #expect((json["recipient"] as? [String: Any])?["email"] as? String == "camille@example.com")
                #expect((json["customer_url"] as? String)?.hasPrefix("http://doorstep.test/d/\(id)?e=") == true)

                let read = try await client.execute(uri: "/api/v1/deliveries/\(id)", method: .get, headers: app.apiHeaders)
                #expect(read.status == .ok)
                #expect(try read.json()["order_reference"] as? String == "A-100")

                for index in 0..<4 {
                    var more = Self.newDelivery
                    more["order_reference"] = "B-\(index)"
                    _ = try await client.execute(uri: "/api/v1/deliveries", method: .post, headers: app.apiHeaders, body: try JSONSerialization.body(more))
                }
                var seen: [String] = []
                var uri = "/api/v1/deliveries?limit=2"
                while true {
                    let page = try await client.execute(uri: uri, method: .get, headers: app.apiHeaders).json()
                    seen += (page["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                    guard let next = page["next_cursor"] as? String else { break }
                    uri = "/api/v1/deliveries?limit=2&cursor=\(next)"
                }
                #expect(seen.count == 5 && Set(seen).count == 5 && seen.contains(id))
            }
        }
    }

    @Test func missingOrWrongCredentialsGet401ProblemDetails() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                for headers: HTTPFields in [[:], [.authorization: "Bearer dsk_wrong"], [.authorization: "Basic abc"],
                                            [.authorization: "Bearer \(app.courierToken)"]] {
                    let response = try await client.execute(uri: "/api/v1/deliveries", method: .get, headers: headers)
                    #expect(response.status == .unauthorized)
                    #expect(response.headers[.contentType] == "application/problem+json")
                    let problem = try response.json()
                    #expect(problem["type"] as? String == "/problems/unauthenticated" && problem["status"] as? Int == 401)
                }
            }
        }
    }

    @Test func anotherTenantsDeliveryLooksLikeNoDeliveryAtAll() async throws {
        try await TestApp.run { app in
            let mine = try await app.delivery()
            let rival = try await app.services.accounts.createTenant(name: "Rival")
            try await app.application.test(.router) { client in
                let headers: HTTPFields = [.authorization: "Bearer \(rival.apiKey)"]
                let theirs = try await client.execute(uri: "/api/v1/deliveries/\(mine.id)", method: .get, headers: headers)
                let nothing = try await client.execute(uri: "/api/v1/deliveries/\(UUID().uuidString.lowercased())", method: .get, headers: headers)
                let malformed = try await client.execute(uri: "/api/v1/deliveries/../../etc", method: .get, headers: headers)
                #expect(theirs.status == .notFound && nothing.status == .notFound)
                #expect(theirs.text == nothing.text)
                #expect(malformed.status == .notFound)
                let list = try await client.execute(uri: "/api/v1/deliveries", method: .get, headers: headers).json()
                #expect((list["items"] as? [Any])?.isEmpty == true)
            }
        }
    }

    @Test(arguments: [
        ("recipient.email", #"{"recipient": {"name": "A", "email": "not-an-email", "language": "en"}}"#),
        ("recipient.language", #"{"recipient": {"name": "A", "email": "a@b.co", "language": "ja"}}"#),
        ("latitude", #"{"latitude": 123.0}"#),
        ("order_reference", #"{"order_reference": "  "}"#),
        ("courier_id", #"{"courier_id": "00000000-0000-4000-8000-000000000000"}"#),
    ])
    func invalidDeliveriesGet422NamingTheField(_ field: String, _ changeJSON: String) async throws {
        let change = try #require(try JSONSerialization.jsonObject(with: Data(changeJSON.utf8)) as? [String: Any])
        let payload = try JSONSerialization.body(Self.newDelivery.merging(change) { $1 })
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                let response = try await client.execute(uri: "/api/v1/deliveries", method: .post, headers: app.apiHeaders, body: payload)
                #expect(response.status == .unprocessableContent)
                let problem = try response.json()
                #expect(problem["type"] as? String == "/problems/invalid-input")
                #expect(problem["field"] as? String == field)
            }
        }
    }

    @Test func brokenJSONAndDuplicateOrdersAreClearErrors() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                let broken = try await client.execute(uri: "/api/v1/deliveries", method: .post, headers: app.apiHeaders, body: .init(string: "{nope"))
                #expect(broken.status == .unprocessableContent)
                #expect(try broken.json()["field"] as? String == "body")
                let first = try await client.execute(uri: "/api/v1/deliveries", method: .post, headers: app.apiHeaders, body: try JSONSerialization.body(Self.newDelivery))
                let again = try await client.execute(uri: "/api/v1/deliveries", method: .post, headers: app.apiHeaders, body: try JSONSerialization.body(Self.newDelivery))
                #expect(first.status == .created && again.status == .conflict)
                #expect(try again.json()["type"] as? String == "/problems/conflict")
            }
        }
    }
}
