import DoorstepCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

/// The operator console's accounts: a password opens a session in an HttpOnly, Secure,
/// SameSite=Strict cookie; changes need the anti-forgery token too; roles decide what is reached;
/// what an operator does is audited under their account; sessions end on sign-out, when idle,
/// and when the account is disabled.
@Suite struct OperatorConsoleTests {
    @Test func signingInSetsAHardenedCookieAndNeverReturnsTheSecret() async throws {
        try await TestApp.run { app in
            let admin = try await app.operatorSignIn(.admin)
            try await app.application.test(.router) { client in
                let wrong = try await client.execute(
                    uri: "/api/v1/operator/session", method: .post, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: #"{"username": "\#(admin.username)", "password": "wrong password here"}"#))
                #expect(wrong.status == .unauthorized && wrong.headers[.setCookie] == nil)

                let response = try await client.execute(
                    uri: "/api/v1/operator/session", method: .post, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: #"{"username": "\#(admin.username.uppercased())", "password": "correct horse battery"}"#))
                #expect(response.status == .created, "\(response.text)")
                let cookie = try #require(response.headers[.setCookie])
                let attributes = Set(cookie.split(separator: ";").dropFirst().map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
                #expect(cookie.hasPrefix("__Host-doorstep-console=dso_"))
                #expect(attributes.isSuperset(of: ["httponly", "secure", "samesite=strict", "path=/"]), "\(cookie)")
                #expect(!attributes.contains { $0.hasPrefix("domain") })
                let token = String(cookie.split(separator: ";")[0].dropFirst("__Host-doorstep-console=".count))
                let body = try response.json()
                #expect(!response.text.contains(token))
                #expect((body["operator"] as? [String: Any])?["role"] as? String == "admin")
                #expect((body["tenant"] as? [String: Any])?["name"] as? String == "Test shop")
                #expect(body["csrf_token"] as? String == OperatorAccounts.csrfToken(for: token))

                // The cookie alone opens the console on reload.
                let current = try await client.execute(
                    uri: "/api/v1/operator/session", method: .get, headers: [.cookie: "__Host-doorstep-console=\(token)"])
                #expect(current.status == .ok)
                #expect((try current.json()["operator"] as? [String: Any])?["username"] as? String == admin.username)
            }
        }
    }

    @Test func changesNeedTheAntiForgeryTokenAndTheSameOrigin() async throws {
        try await TestApp.run { app in
            let session = try await app.operatorSignIn(.admin).session()
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                let change = #"{"email_includes_photo": false}"#
                func patch(_ headers: HTTPFields) async throws -> TestResponse {
                    try await client.execute(uri: "/api/v1/settings", method: .patch, headers: headers, body: ByteBuffer(string: change))
                }
                // A page elsewhere can make the browser send the cookie (a sibling subdomain passes
                // SameSite), but it cannot know the token.
                let forged = try await patch(TestApp.consoleHeaders(session, csrf: false))
                #expect(forged.status == .forbidden)
                #expect(try forged.json()["type"] as? String == "/problems/cross-site-request")
                var wrongToken = TestApp.consoleHeaders(session)
                wrongToken[.csrfToken] = OperatorAccounts.csrfToken(for: "dso_another")
                #expect(try await patch(wrongToken).status == .forbidden)
                var crossSite = TestApp.consoleHeaders(session)
                crossSite[.secFetchSite] = "same-site"
                #expect(try await patch(crossSite).status == .forbidden)
                var sameOrigin = TestApp.consoleHeaders(session)
                sameOrigin[.secFetchSite] = "same-origin"
                #expect(try await patch(sameOrigin).status == .ok)
                let settings = try await app.services.store.tenant(id: app.tenant.id)?.settings
                #expect(settings?.emailIncludesPhoto == false)

                // Reads need no token, but are refused from another site too.
                let read = try await client.execute(
                    uri: "/api/v1/deliveries/\(delivery.id)", method: .get, headers: TestApp.consoleHeaders(session, csrf: false))
                #expect(read.status == .ok)
                var crossSiteRead = TestApp.consoleHeaders(session, csrf: false)
                crossSiteRead[.secFetchSite] = "cross-site"
                let refused = try await client.execute(uri: "/api/v1/deliveries/\(delivery.id)", method: .get, headers: crossSiteRead)
                #expect(refused.status == .forbidden)
                // A sign-in from another site's page (login forgery) is refused before any password is checked.
                let forgedSignIn = try await client.execute(
                    uri: "/api/v1/operator/session", method: .post, headers: [.contentType: "application/json", .secFetchSite: "cross-site"],
                    body: ByteBuffer(string: #"{"username": "x", "password": "y"}"#))
                #expect(forgedSignIn.status == .forbidden)
                // Nor can a form post a JSON-looking text body (no preflight for text/plain), or an
                // older browser without Sec-Fetch-Site from another origin.
                let textBody = try await client.execute(
                    uri: "/api/v1/operator/session", method: .post, headers: [.contentType: "text/plain"],
                    body: ByteBuffer(string: #"{"username": "x", "password": "y"}"#))
                #expect(textBody.status == .unprocessableContent)
                var otherOrigin = TestApp.consoleHeaders(session)
                otherOrigin[HTTPField.Name("Origin")!] = "https://evil.example"
                #expect(try await patch(otherOrigin).status == .forbidden)
            }
        }
    }

    @Test func supportStaffWorkOnDeliveriesButNeverSeeSettingsKeysOrWebhooks() async throws {
        try await TestApp.run { app in
            let support = try await app.operatorSignIn(.support).session()
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                try await app.upload(delivery, client: client)
                func status(_ method: HTTPRequest.Method, _ path: String, _ body: String? = nil) async throws -> Int {
                    let response = try await client.execute(
                        uri: path, method: method, headers: TestApp.consoleHeaders(support), body: body.map { ByteBuffer(string: $0) })
                    return Int(response.status.code)
                }
                #expect(try await status(.get, "/api/v1/deliveries?limit=5") == 200)
                #expect(try await status(.get, "/api/v1/cases") == 200)
                #expect(try await status(.get, "/api/v1/deliveries/\(delivery.id)/photo") == 200)
                let settings = try await client.execute(uri: "/api/v1/settings", method: .get, headers: TestApp.consoleHeaders(support))
                #expect(settings.status == .forbidden)
                #expect(try settings.json()["type"] as? String == "/problems/forbidden")
                #expect(try settings.json()["reason"] as? String == "admin")
                #expect(try await status(.get, "/api/v1/recipients/export?email=ann%40example.com") == 403)
                #expect(try await status(.post, "/api/v1/recipients/erase", #"{"email": "ann@example.com"}"#) == 403)
                // The recipient's signed links are not for the console: through one, a view would be
                // audited as the recipient's own.
                let shown = try await client.execute(uri: "/api/v1/deliveries/\(delivery.id)", method: .get, headers: TestApp.consoleHeaders(support))
                let body = try shown.json()
                #expect(body["id"] as? String == delivery.id && body["customer_url"] == nil && body["opt_out_url"] == nil)
                let byKey = try await client.execute(uri: "/api/v1/deliveries/\(delivery.id)", method: .get, headers: app.apiHeaders)
                #expect(try byKey.json()["customer_url"] as? String != nil)
                #expect(try await status(.patch, "/api/v1/settings", #"{"email_includes_photo": false}"#) == 403)
                #expect(try await status(.get, "/api/v1/api-keys") == 403)
                #expect(try await status(.post, "/api/v1/api-keys", #"{"name": "Escalate", "scopes": ["admin"]}"#) == 403)
                #expect(try await status(.get, "/api/v1/webhooks") == 403)

                // The photo view is audited under the operator's account, not a key.
                let events = try await app.services.store.accessEvents(deliveryID: delivery.id)
                let view = try #require(events.last { $0.action == .download })
                #expect(view.actor == .staff && view.actorID == support.account.id)
            }
        }
    }

    @Test func sessionsEndOnSignOutWhenIdleAndWhenTheAccountIsDisabled() async throws {
        try await TestApp.run { app in
            let admin = try await app.operatorSignIn(.admin)
            try await app.application.test(.router) { client in
                func reaches(_ session: OperatorAccounts.Session) async throws -> Bool {
                    let response = try await client.execute(uri: "/api/v1/cases", method: .get, headers: TestApp.consoleHeaders(session))
                    return response.status == .ok
                }
                // Signing out ends it on the server: the cookie's copy is worthless, and the browser's is cleared.
                let first = try await admin.session()
                let out = try await client.execute(uri: "/api/v1/operator/session", method: .delete, headers: TestApp.consoleHeaders(first))
                #expect(out.status == .noContent)
                #expect(out.headers[.setCookie]?.contains("Max-Age=0") == true)
                #expect(try await reaches(first) == false)

                // Used within the idle time it stays open; left alone past it, it ends.
                let idle = app.services.configuration.operatorIdleTimeout
                let second = try await admin.session()
                app.clock.advance(by: idle - 60)
                #expect(try await reaches(second))
                app.clock.advance(by: idle - 60)
                #expect(try await reaches(second), "used within the idle time, so still open")
                app.clock.advance(by: idle + 1)
                #expect(try await reaches(second) == false)

                // Disabling the account ends its sessions now, and its password signs in no more.
                let third = try await admin.session()
                let account = third.account
                try await app.services.operators.setDisabled(true, username: account.username, tenantID: app.tenant.id, by: .operatorCLI, actorID: nil)
                #expect(try await reaches(third) == false)
                await #expect(throws: DoorstepError.unauthenticated) { try await admin.session() }
            }
        }
    }
}
