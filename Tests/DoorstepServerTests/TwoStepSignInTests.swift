import DoorstepCore
import DoorstepSecurity
import Foundation
import HTTPTypes
import HummingbirdOTP
import HummingbirdTesting
import NIOCore
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

/// Two-step sign-in for operators: turned on with a first code from the app, then every sign-in
/// asks for a code after the password; a code works once; wrong codes lock like wrong passwords;
/// turning it off needs a code; the command line resets it; the secret is stored sealed.
@Suite struct TwoStepSignInTests {
    /// What the authenticator app shows at `date` for a secret (hummingbird-auth's TOTP, as apps compute it).
    static func code(_ secret: String, at date: Date) -> String {
        String(format: "%06d", TOTP(secret: secret).compute(date: date))
    }

    @Test func anOperatorTurnsItOnAndThenNeedsACodeThatWorksOnce() async throws {
        try await TestApp.run { app in
            let (username, session) = try await app.operatorSignIn(.support)
            let staff = try await session()
            try await app.application.test(.router) { client in
                func call(_ method: HTTPRequest.Method, _ path: String, _ body: String? = nil, headers: HTTPFields? = nil) async throws -> TestResponse {
                    try await client.execute(uri: path, method: method, headers: headers ?? TestApp.consoleHeaders(staff), body: body.map { ByteBuffer(string: $0) })
                }
                func signIn(_ code: String?) async throws -> TestResponse {
                    var fields = ["username": username, "password": "correct horse battery"]
                    fields["code"] = code
                    let body = try JSONSerialization.data(withJSONObject: fields)
                    return try await client.execute(uri: "/api/v1/operator/session", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(data: body))
                }
                #expect(try await call(.get, "/api/v1/operator/two-step").json()["on"] as? Bool == false)
                // An API key is no person: it has no two-step sign-in of its own.
                #expect(try await call(.get, "/api/v1/operator/two-step", headers: app.apiHeaders).status == .notFound)

                let fresh = try await call(.get, "/api/v1/operator/two-step/new")
                #expect(fresh.headers[.cacheControl] == "no-store")
                let enrollment = try fresh.json()
                // What the console sends back is the secret sealed for this account; the app gets
                // the secret itself, in the address and the key to type.
                let token = try #require(enrollment["secret"] as? String)
                let secret = try app.services.infrastructure.keys.open(secret: token, context: TwoStepSignIn.enrolmentContext(staff.account.id))
                #expect(secret != token && OneTimeCode(secret: secret) != nil)
                let url = try #require(enrollment["otpauth_url"] as? String)
                #expect(url.hasPrefix("otpauth://totp/") && url.contains("issuer=Doorstep"))
                // The key a person types is the URL's base-32 secret, in groups of four.
                let typed = try #require(enrollment["manual_key"] as? String).replacingOccurrences(of: " ", with: "")
                #expect(url.contains("secret=\(typed)&") || url.hasSuffix("secret=\(typed)"))

                // Nothing is on until a code from the app matches; a secret the server did not make is refused.
                let now = app.clock.now
                let wrong = Self.code(secret, at: now) == "000000" ? "111111" : "000000"
                #expect(try await call(.put, "/api/v1/operator/two-step", #"{"secret": "\#(token)", "code": "\#(wrong)"}"#).status.code == 422)
                // A secret of the client's own choosing, or one made for someone else, is refused.
                _ = try await app.operatorSignIn(.support)
                let colleague = try #require(try await app.services.operators.operators(of: app.tenant).first { $0.account.id != staff.account.id }?.account)
                let theirs = try app.services.operators.twoStep.enrollment(for: colleague, tenant: app.tenant).token
                for forged in [secret, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", theirs] {
                    let refused = try await call(.put, "/api/v1/operator/two-step", #"{"secret": "\#(forged)", "code": "\#(Self.code(secret, at: now))"}"#)
                    let field = try refused.json()["field"] as? String
                    #expect(refused.status.code == 422 && field == "secret")
                }
                #expect(try await call(.get, "/api/v1/operator/two-step").json()["on"] as? Bool == false)
                let on = try await call(.put, "/api/v1/operator/two-step", #"{"secret": "\#(token)", "code": "\#(Self.code(secret, at: now))"}"#)
                #expect(on.status == .ok)
                // Once on, a session cannot swap in another phone's secret without turning it off (with a code).
                let swap = try await call(.get, "/api/v1/operator/two-step/new").json()
                let swapSecret = try app.services.infrastructure.keys.open(
                    secret: try #require(swap["secret"] as? String), context: TwoStepSignIn.enrolmentContext(staff.account.id))
                let swapped = try await call(
                    .put, "/api/v1/operator/two-step", #"{"secret": "\#(try #require(swap["secret"] as? String))", "code": "\#(Self.code(swapSecret, at: now))"}"#)
                #expect(swapped.status == .conflict)
                #expect(try await call(.get, "/api/v1/operator/two-step").json()["on"] as? Bool == true)
                // Sealed at rest, bound to the account.
                let stored = try #require(try await app.services.store.operatorTOTPSecret(id: staff.account.id))
                #expect(!stored.contains(secret))

                // The password alone is no longer enough, and says so.
                let missing = try await signIn(nil)
                let type = try missing.json()["type"] as? String
                #expect(missing.status == .unauthorized && type == "/problems/code-required")
                // The code the app showed when it was turned on was taken then; the next step's works, once.
                #expect(try await signIn(Self.code(secret, at: now)).status == .unauthorized)
                app.clock.advance(by: 30)
                let next = Self.code(secret, at: app.clock.now)
                #expect(try await signIn(next).status == .created)
                #expect(try await signIn(next).status == .unauthorized)
                // A code from two steps ago is too old.
                app.clock.advance(by: 30)
                #expect(try await signIn(Self.code(secret, at: app.clock.now.addingTimeInterval(-60))).status == .unauthorized)

                // Turning it off needs a current code.
                #expect(try await call(.post, "/api/v1/operator/two-step/off", #"{"code": "12345"}"#).status.code == 422)
                app.clock.advance(by: 30)
                #expect(try await call(.post, "/api/v1/operator/two-step/off", #"{"code": "\#(Self.code(secret, at: app.clock.now))"}"#).status == .ok)
                #expect(try await signIn(nil).status == .created)

                // The admins read who turned it on and off.
                let log = try await app.services.store.activity(tenantID: app.tenant.id, before: nil, limit: 50).entries
                #expect(log.filter { [.twoStepOn, .twoStepOff].contains($0.action) }.map(\.actorID) == [staff.account.id, staff.account.id])
            }
        }
    }

    @Test func wrongCodesLockTheAccountAndTheCommandLineResetsALostPhone() async throws {
        try await TestApp.run { app in
            let (username, session) = try await app.operatorSignIn(.admin)
            let admin = try await session()
            let twoStep = app.services.operators.twoStep
            let enrollment = try twoStep.enrollment(for: admin.account, tenant: app.tenant)
            let secret = try app.services.infrastructure.keys.open(secret: enrollment.token, context: TwoStepSignIn.enrolmentContext(admin.account.id))
            try await twoStep.turnOn(for: admin.account, token: enrollment.token, code: Self.code(secret, at: app.clock.now))
            var locked = false
            for _ in 0..<20 {
                do {
                    _ = try await app.services.operators.signIn(username: username, password: "correct horse battery", code: "999999")
                } catch DoorstepError.tooManyAttempts {
                    locked = true
                    break
                } catch DoorstepError.unauthenticated {}
            }
            #expect(locked)
            // The code that turns it off meets the same lockout: while locked, not even a right one works.
            do {
                try await twoStep.turnOff(for: admin.account, code: Self.code(secret, at: app.clock.now.addingTimeInterval(30)))
                Issue.record("turned off while the account is locked")
            } catch DoorstepError.tooManyAttempts {}
            // A key rotation reseals the secret under the new key and retires the old one; the
            // app's codes still work (the lock aside: checked on the service below it).
            let before = try #require(try await app.services.store.operatorTOTPSecret(id: admin.account.id))
            let report = try await app.services.keyRotation.rotate(settle: .zero)
            #expect(report.retiredVersions == [1], "nothing needs the old key any more")
            let after = try #require(try await app.services.store.operatorTOTPSecret(id: admin.account.id))
            #expect(after != before && after.hasPrefix("dss1:2:"))
            app.clock.advance(by: 30)
            #expect(try await twoStep.check(Self.code(secret, at: app.clock.now), for: admin.account))

            try await app.services.operators.resetTwoStep(username: username, tenantID: app.tenant.id, by: .operatorCLI, actorID: nil)
            #expect(try await !twoStep.isOn(for: admin.account))
            let log = try await app.services.store.activity(tenantID: app.tenant.id, before: nil, limit: 50).entries
            #expect(log.contains { $0.action == .twoStepReset && $0.actor == .operatorCLI && $0.targetID == admin.account.id })
        }
    }
}
