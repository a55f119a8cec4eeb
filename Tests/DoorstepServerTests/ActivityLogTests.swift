import DoorstepCore
import DoorstepServices
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import DoorstepServer

/// The tenant's activity log: every change a key or an operator makes, with who made it, read
/// back by the tenant's admins a page at a time.
@Suite struct ActivityLogTests {
    /// Every route open to a tenant's keys or operators that changes something has its entry
    /// named (or is one the access log records), and every name is for a route that is served.
    @Test func everyChangeATenantCanMakeIsNamed() async throws {
        let tenantCallers: Set<AuthorizationMatrixTests.Credential> = [.apiKey, .adminOperator, .supportOperator]
        // Open to everyone (signing in and out, couriers' sign-in): no tenant caller is needed.
        let changes = AuthorizationMatrixTests.rules.filter { route, rule in
            !route.hasPrefix("GET ") && !rule.allowed.isDisjoint(with: tenantCallers) && !rule.allowed.contains(.none)
        }.keys
        let named = Set(ActivityRoutes.actions.keys).union(ActivityRoutes.inAccessLog)
        #expect(Set(changes).subtracting(named).isEmpty, "changes without an activity name: \(Set(changes).subtracting(named).sorted())")
        #expect(named.subtracting(changes).isEmpty, "names for no change: \(named.subtracting(changes).sorted())")
        // Every `data.` name is an access-log action, read from there.
        #expect(Activity.fromAccessLog.count == Activity.allCases.filter { $0.rawValue.hasPrefix(Activity.accessPrefix) }.count)
    }

    @Test func changesAreRecordedWithWhoMadeThemAndReadBackByAdmins() async throws {
        try await TestApp.run { app in
            let admin = try await app.operatorSignIn(.admin)
            let support = try await app.operatorSignIn(.support)
            let session = try await admin.session()
            let console = TestApp.consoleHeaders(session)
            let key = try #require(try await app.services.accounts.apiKeys(of: app.tenant).first)
            let delivery = try await app.delivery()
            // One second between steps: entries of the same millisecond have no order of their own.
            let tick: @Sendable () -> Void = { app.clock.advance(by: 1) }
            try await app.application.test(.router) { client in
                tick()
                // An operator creates a courier and changes a setting; the API key disables the courier.
                let created = try await client.execute(
                    uri: "/api/v1/couriers", method: .post, headers: console,
                    body: ByteBuffer(string: #"{"username": "activity-\#(UUID().uuidString.prefix(6))", "display_name": "Cy"}"#))
                #expect(created.status == .created, "\(created.text)")
                let courierID = try #require(try created.json()["id"] as? String)
                tick()
                let patched = try await client.execute(
                    uri: "/api/v1/settings", method: .patch, headers: console, body: ByteBuffer(string: #"{"email_includes_photo": true}"#))
                #expect(patched.status == .ok, "\(patched.text)")
                tick()
                let disabled = try await client.execute(uri: "/api/v1/couriers/\(courierID)/disable", method: .post, headers: app.apiHeaders)
                #expect(disabled.status == .ok)
                tick()
                // A refused change is not one: support staff may not create couriers.
                let supportSession = try await support.session()
                let refused = try await client.execute(
                    uri: "/api/v1/couriers", method: .post, headers: TestApp.consoleHeaders(supportSession),
                    body: ByteBuffer(string: #"{"username": "never-made", "display_name": "No"}"#))
                #expect(refused.status == .forbidden)
                tick()
                // Deleting a photo is in the access log, and read from there.
                try await app.upload(delivery, client: client)
                #expect(try await client.execute(uri: "/api/v1/deliveries/\(delivery.id)/photo", method: .delete, headers: console).status == .noContent)
                tick()
                // A wrong password for the admin's account (its entry is written after the answer).
                await #expect(throws: DoorstepError.unauthenticated) {
                    try await app.services.operators.signIn(username: admin.username, password: "wrong horse battery")
                }
                var waits = 0
                while try await !Self.activity(client, headers: console).description.contains("console.sign_in_refused"), waits < 100 {
                    try await Task.sleep(for: .milliseconds(20))
                    waits += 1
                }

                let page = try await Self.activity(client, headers: console)
                let items = try #require(page["items"] as? [[String: Any]])
                // Newest first (the photo's deletion may be two entries: the photo and its proof
                // thumbnail); the support agent's sign-in is there, its refused change is not.
                let actions = items.compactMap { $0["action"] as? String }.reduce(into: [String]()) { if $0.last != $1 { $0.append($1) } }
                #expect(Array(actions.prefix(6)) == [
                    "console.sign_in_refused", "data.delete", "console.signed_in", "courier.disabled", "settings.changed", "courier.created",
                ], "\(actions)")
                let byAction = Dictionary(items.map { ($0["action"] as! String, $0) }, uniquingKeysWith: { first, _ in first })
                let actor = { (action: String) in byAction[action]?["actor"] as? [String: String] }
                #expect(actor("courier.created") == ["kind": "staff", "id": session.account.id, "name": "Olga"])
                #expect(byAction["courier.created"]?["target_id"] as? String == courierID)
                #expect(byAction["settings.changed"]?["detail"] as? String == "email_includes_photo")
                #expect(actor("courier.disabled") == ["kind": "api_key", "id": key.prefix, "name": key.name])
                #expect(byAction["courier.disabled"]?["target_id"] as? String == courierID)
                #expect(byAction["data.delete"]?["target_id"] as? String == delivery.id)
                #expect(actor("console.sign_in_refused")?["id"] == nil && byAction["console.sign_in_refused"]?["target_id"] as? String == session.account.id)

                // A page at a time, each entry once.
                var seen: [String] = []
                var before: String?
                repeat {
                    let part = try await Self.activity(client, headers: console, query: "limit=2" + (before.map { "&before=\($0)" } ?? ""))
                    let ids = (part["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                    #expect(ids.count <= 2)
                    seen += ids
                    before = part["next"] as? String
                } while before != nil
                #expect(seen == items.compactMap { $0["id"] as? String })

                // Not for support staff; nonsense is refused; another tenant sees none of it.
                #expect(try await client.execute(uri: "/api/v1/activity", method: .get, headers: TestApp.consoleHeaders(supportSession)).status == .forbidden)
                let overflowing = "before=9223372036854775807_00000000-0000-4000-8000-000000000000"
                for query in ["limit=0", "limit=201", "limit=x", "before=1_nope", "before=" + String(repeating: "9", count: 200), overflowing] {
                    let wrong = try await client.execute(uri: "/api/v1/activity?\(query)", method: .get, headers: console)
                    #expect(wrong.status == .unprocessableContent, "\(query): \(wrong.status)")
                }
                let other = try await app.services.accounts.createTenant(name: "Other")
                let theirs = try await Self.activity(client, headers: [.authorization: "Bearer \(other.apiKey)"])
                #expect((theirs["items"] as? [Any])?.isEmpty == true)
            }
        }
    }

    static func activity(_ client: some TestClientProtocol, headers: HTTPFields, query: String = "") async throws -> [String: Any] {
        let response = try await client.execute(uri: "/api/v1/activity?\(query)", method: .get, headers: headers)
        #expect(response.status == .ok, "\(response.text)")
        return try response.json()
    }
}
