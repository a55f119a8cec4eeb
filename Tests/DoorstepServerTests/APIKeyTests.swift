import DoorstepCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

/// Named keys with scopes: each reaches what its scopes allow and nothing more, shows when it was
/// last used, and stops working the moment it is revoked.
@Suite struct APIKeyTests {
    @Test func keysReachOnlyWhatTheirScopesAllow() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                func make(_ name: String, _ scopes: [String]) async throws -> [String: Any] {
                    let response = try await client.execute(
                        uri: "/api/v1/api-keys", method: .post, headers: app.apiHeaders,
                        body: try JSONSerialization.body(["name": name, "scopes": scopes]))
                    #expect(response.status == .created, "\(response.text)")
                    return try response.json()
                }
                let reader = try await make("Dashboard", ["read"])
                let dispatcher = try await make("Warehouse system", ["deliveries", "read"])
                let readerKey = try #require(reader["key"] as? String)
                let dispatcherKey = try #require(dispatcher["key"] as? String)
                #expect(reader["scopes"] as? [String] == ["read"])
                #expect(dispatcher["scopes"] as? [String] == ["read", "deliveries"])
                #expect(readerKey.hasPrefix(reader["prefix"] as? String ?? "?"))

                func status(_ key: String, _ method: HTTPRequest.Method, _ path: String, _ body: String? = nil) async throws -> Int {
                    let response = try await client.execute(
                        uri: path, method: method, headers: [.authorization: "Bearer \(key)", .contentType: "application/json"],
                        body: body.map { ByteBuffer(string: $0) })
                    return Int(response.status.code)
                }
                let newDelivery = #"{"order_reference": "K-1", "address": "1 Main St", "latitude": 48.85, "longitude": 2.35, "recipient": {"name": "Ann", "email": "ann@example.com", "language": "en"}}"#
                #expect(try await status(readerKey, .get, "/api/v1/deliveries/\(delivery.id)") == 200)
                #expect(try await status(readerKey, .get, "/api/v1/webhooks") == 200)
                #expect(try await status(readerKey, .post, "/api/v1/deliveries", newDelivery) == 403)
                #expect(try await status(readerKey, .delete, "/api/v1/deliveries/\(delivery.id)/photo") == 403)
                #expect(try await status(readerKey, .get, "/api/v1/settings") == 200)
                #expect(try await status(readerKey, .get, "/api/v1/api-keys") == 200)
                #expect(try await status(readerKey, .patch, "/api/v1/settings", #"{"retention_seconds": 3600}"#) == 403)
                #expect(try await status(readerKey, .post, "/api/v1/api-keys", #"{"name": "Escalate", "scopes": ["admin"]}"#) == 403)
                #expect(try await status(dispatcherKey, .post, "/api/v1/deliveries", newDelivery) == 201)
                #expect(try await status(dispatcherKey, .patch, "/api/v1/settings", #"{"retention_seconds": 3600}"#) == 403)
                #expect(try await status(dispatcherKey, .post, "/api/v1/webhooks", #"{"url": "https://hooks.example.com/"}"#) == 403)
                #expect(try await status(dispatcherKey, .post, "/api/v1/api-keys", #"{"name": "Escalate", "scopes": ["admin"]}"#) == 403)
                let refused = try await client.execute(
                    uri: "/api/v1/webhooks", method: .post, headers: [.authorization: "Bearer \(readerKey)"],
                    body: ByteBuffer(string: #"{"url": "https://hooks.example.com/"}"#))
                #expect(try refused.json()["type"] as? String == "/problems/forbidden")
                #expect(try refused.json()["reason"] as? String == "admin")

                // The list shows names, scopes and last use, never a secret.
                let listed = try await client.execute(uri: "/api/v1/api-keys", method: .get, headers: app.apiHeaders)
                let items = try #require(try listed.json()["items"] as? [[String: Any]])
                #expect(Set(items.compactMap { $0["name"] as? String }) == ["command line", "Dashboard", "Warehouse system"])
                #expect(items.allSatisfy { $0["key"] == nil })
                #expect(items.allSatisfy { $0["last_used_at"] is String }, "every key here has been used")
                #expect(!listed.text.contains(readerKey) && !listed.text.contains(dispatcherKey))

                // Revoked: refused from the next request on, and gone from the list.
                let id = try #require(reader["id"] as? String)
                #expect(try await status(app.apiKey, .delete, "/api/v1/api-keys/\(id)") == 204)
                #expect(try await status(readerKey, .get, "/api/v1/deliveries/\(delivery.id)") == 401)
                #expect(try await status(app.apiKey, .delete, "/api/v1/api-keys/\(id)") == 404)
                let after = try await client.execute(uri: "/api/v1/api-keys", method: .get, headers: app.apiHeaders)
                #expect((try after.json()["items"] as? [[String: Any]])?.count == 2)

                // The tenant's last admin key stays: without it no key could be made again.
                let admins = try await client.execute(uri: "/api/v1/api-keys", method: .get, headers: app.apiHeaders)
                let own = try #require((try admins.json()["items"] as? [[String: Any]])?.first { $0["name"] as? String == "command line" }?["id"] as? String)
                let last = try await client.execute(uri: "/api/v1/api-keys/\(own)", method: .delete, headers: app.apiHeaders)
                #expect(last.status == .conflict)
                #expect(try await status(app.apiKey, .get, "/api/v1/settings") == 200, "still works")

                for bad in [#"{"name": "", "scopes": ["read"]}"#, #"{"name": "x", "scopes": []}"#, #"{"name": "x", "scopes": ["root"]}"#] {
                    #expect(try await status(app.apiKey, .post, "/api/v1/api-keys", bad) == 422, "\(bad)")
                }
            }
        }
    }

    /// Every tenant operation, from the API document: a key without the scope the document names
    /// (`x-required-scope`) is refused with 403 before anything is looked up; a key with only that
    /// scope is not. So the code and the document cannot disagree about who may do what.
    @Test func everyOperationNeedsTheScopeTheDocumentNames() async throws {
        try await TestApp.run { app in
            let document = try #require(try JSONSerialization.jsonObject(with: Data(Assets.openAPI.utf8)) as? [String: Any])
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            // (method, path, scope needed, whether it answers with an event stream)
            let operations: [(String, String, String, Bool)] = paths.sorted(by: { $0.key < $1.key }).flatMap { path, item in
                item.sorted(by: { $0.key < $1.key }).compactMap { method, value in
                    guard let operation = value as? [String: Any], let needed = operation["x-required-scope"] as? String else { return nil }
                    return (method.uppercased(), path, needed, "\(operation["responses"] ?? "")".contains("text/event-stream"))
                }
            }
            #expect(operations.count >= 25, "tenant operations with a scope: \(operations.count)")
            var made: [(APIScope, String)] = []
            for scope in APIScope.allCases {
                made.append((scope, try await app.services.accounts.createAPIKey(tenantID: app.tenant.id, name: scope.rawValue, scopes: [scope]).secret))
            }
            let keys = made
            let failures = EventLog()
            try await app.application.test(.router) { client in
                for (method, path, needed, streams) in operations {
                    let uri = path.replacingOccurrences(of: "{id}", with: UUID().uuidString.lowercased())
                    for (scope, key) in keys {
                        let allowed = scope.rawValue == needed
                        if allowed && streams { continue }  // it would stay open; its refusals are what matter here
                        let response = try await client.execute(
                            uri: uri, method: HTTPRequest.Method(method)!,
                            headers: [.authorization: "Bearer \(key)", .contentType: "application/json"], body: ByteBuffer(string: "{}"))
                        if (response.status == .forbidden) == allowed {
                            failures.append("\(method) \(path) with a \(scope.rawValue) key: \(response.status.code)")
                        }
                    }
                }
            }
            #expect(failures.all.isEmpty, "\(failures.all.joined(separator: "\n"))")
        }
    }

    @Test func aTenantHasAtMostTwentyLiveKeys() async throws {
        try await TestApp.run { app in
            for index in 1..<AccountService.maxLiveKeys {
                _ = try await app.services.accounts.createAPIKey(tenantID: app.tenant.id, name: "k\(index)", scopes: [.read])
            }
            await #expect(throws: DoorstepError.limitReached(resource: "live API keys", limit: AccountService.maxLiveKeys)) {
                _ = try await app.services.accounts.createAPIKey(tenantID: app.tenant.id, name: "one more", scopes: [.read])
            }
        }
    }
}
