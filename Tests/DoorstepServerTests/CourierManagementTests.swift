import DoorstepCore
import DoorstepSecurity
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

/// A tenant's couriers, managed through the API (and so the console): created with a password
/// shown once, disabled (sessions end, sign-in refused), enabled, their password reset; another
/// tenant's couriers are not found, and support staff may list but not change.
@Suite struct CourierManagementTests {
    @Test func adminsCreateDisableEnableAndResetCouriers() async throws {
        try await TestApp.run { app in
            let support = try await app.operatorSignIn(.support).session()
            try await app.application.test(.router) { client in
                func call(_ method: HTTPRequest.Method, _ path: String, _ body: String? = nil, headers: HTTPFields? = nil) async throws -> TestResponse {
                    try await client.execute(uri: path, method: method, headers: headers ?? app.apiHeaders, body: body.map { ByteBuffer(string: $0) })
                }
                func login(_ username: String, _ password: String) async throws -> HTTPResponse.Status {
                    try await call(.post, "/api/v1/courier/login", #"{"username": "\#(username)", "password": "\#(password)"}"#, headers: [:]).status
                }
                let made = try await call(.post, "/api/v1/couriers", #"{"username": "Rosa.K", "display_name": "Rosa"}"#)
                #expect(made.status == .created, "\(made.text)")
                let id = try #require(try made.json()["id"] as? String)
                let password = try #require(try made.json()["password"] as? String)
                #expect(try made.json()["username"] as? String == "rosa.k")
                #expect(try await login("rosa.k", password) == .ok)
                // Shown once: the list never has it.
                let listed = try await call(.get, "/api/v1/couriers")
                #expect(!listed.text.contains(password) && listed.text.contains(id))
                #expect(try await call(.post, "/api/v1/couriers", #"{"username": "rosa.k", "display_name": "Copy"}"#).status == .conflict)
                let given = try await call(.post, "/api/v1/couriers", #"{"username": "tom", "display_name": "Tom", "password": "given password 1"}"#)
                let givenBody = try given.json()
                #expect(given.status == .created)
                #expect(givenBody["password"] == nil)

                // Disabled: sessions end and sign-in is refused; enabled: the same password works again.
                let session = try await app.services.accounts.login(username: "rosa.k", password: password)
                let disabled = try await call(.post, "/api/v1/couriers/\(id)/disable")
                let disabledBody = try disabled.json()
                #expect(disabled.status == .ok)
                #expect(disabledBody["disabled_at"] as? String != nil)
                #expect(try await app.services.store.courier(forSessionDigest: SecretToken.digest(session.token), now: app.clock.now) == nil)
                #expect(try await login("rosa.k", password) == .unauthorized)
                #expect(try await call(.post, "/api/v1/couriers/\(id)/enable").status == .ok)
                #expect(try await app.services.store.courier(forSessionDigest: SecretToken.digest(session.token), now: app.clock.now) == nil,
                        "enabling does not bring back a session the disable ended")
                #expect(try await login("rosa.k", password) == .ok)
                // Enabling an active courier changes nothing: their sessions stay.
                let active = try await app.services.accounts.login(username: "rosa.k", password: password)
                #expect(try await call(.post, "/api/v1/couriers/\(id)/enable").status == .ok)
                #expect(try await app.services.store.courier(forSessionDigest: SecretToken.digest(active.token), now: app.clock.now) != nil)

                // Reset: a new password, once; the old one no longer signs in.
                let reset = try await call(.post, "/api/v1/couriers/\(id)/reset-password")
                let fresh = try #require(try reset.json()["password"] as? String)
                #expect(fresh != password)
                #expect(try await app.services.store.courier(forSessionDigest: SecretToken.digest(active.token), now: app.clock.now) == nil,
                        "a reset signs the courier out everywhere")
                #expect(try await login("rosa.k", password) == .unauthorized)
                #expect(try await login("rosa.k", fresh) == .ok)

                // Another tenant's key finds no such courier; support staff list but do not change.
                let other = try await app.services.accounts.createTenant(name: "Other shop")
                let stranger: HTTPFields = [.authorization: "Bearer \(other.apiKey)", .contentType: "application/json"]
                #expect(try await call(.post, "/api/v1/couriers/\(id)/disable", headers: stranger).status == .notFound)
                let theirs = try await call(.get, "/api/v1/couriers", headers: stranger)
                let theirItems = try theirs.json()["items"] as? [Any]
                #expect(theirs.status == .ok)
                #expect(theirItems?.isEmpty == true)
                #expect(try await call(.get, "/api/v1/couriers", headers: TestApp.consoleHeaders(support)).status == .ok)
                for change in ["/api/v1/couriers/\(id)/disable", "/api/v1/couriers/\(id)/reset-password"] {
                    let refused = try await call(.post, change, headers: TestApp.consoleHeaders(support))
                    #expect(try refused.json()["type"] as? String == "/problems/forbidden", "\(change)")
                }

                // A disabled courier's reset answers as disabled still; disabling again keeps the first time.
                let off = try #require(try await call(.post, "/api/v1/couriers/\(id)/disable").json()["disabled_at"] as? String)
                app.clock.advance(by: 60)
                #expect(try await call(.post, "/api/v1/couriers/\(id)/disable").json()["disabled_at"] as? String == off)
                #expect(try await call(.post, "/api/v1/couriers/\(id)/reset-password").json()["disabled_at"] as? String == off)
            }
        }
    }
}
