import DoorstepCore
import DoorstepSecurity
import DoorstepStorage
import Foundation

/// Two-step sign-in for the tenant's staff: after the password, a code from an authenticator app
/// (`OneTimeCode`). Each operator turns it on for themselves by proving a first code; the secret
/// is sealed with the server's key ring and bound to the account, so a copy of the database alone
/// makes no codes; a code is taken once. Someone who lost their phone has it reset at the command line.
public struct TwoStepSignIn: Sendable {
    let store: any OperatorStore
    let keys: KeyRingStore
    /// The sign-in lockout: guessing the code that turns it off counts as guessing a password.
    let throttle: LoginThrottle
    let effects: Effects

    public init(store: any OperatorStore, keys: KeyRingStore, throttle: LoginThrottle, effects: Effects) {
        (self.store, self.keys, self.throttle, self.effects) = (store, keys, throttle, effects)
    }

    /// A fresh secret for an operator about to turn two-step sign-in on: nothing is stored until
    /// they prove it with a code (`turnOn`). `token` is the secret sealed for this operator, what
    /// the console sends back: the server takes only secrets it made, for the account it made them for.
    public struct Enrollment: Sendable {
        public var token: String
        public var manualKey: String
        public var url: String
    }

    public func enrollment(for account: OperatorAccount, tenant: Tenant) throws -> Enrollment {
        let code = OneTimeCode.generate()
        // The name goes into the otpauth address's query: only characters that cannot start a
        // parameter of their own (a tenant named "X&period=60" must not change the code).
        let name = String(tenant.name.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) || " -._".unicodeScalars.contains($0) })
        return Enrollment(
            token: try keys.seal(secret: code.secret, context: Self.enrolmentContext(account.id)), manualKey: code.manualKey,
            url: code.authenticatorURL(account: account.username, issuer: "Doorstep \(name)".trimmingCharacters(in: .whitespaces)))
    }

    public func isOn(for account: OperatorAccount) async throws -> Bool {
        try await store.operatorTOTPSecret(id: account.id) != nil
    }

    /// Turns it on with the secret the app was given (`Enrollment.token`), once a code from the
    /// app matches it. Not over a secret already on: replacing it needs it turned off first, with
    /// a code, so a session left open cannot move someone's second step to another phone.
    public func turnOn(for account: OperatorAccount, token: String, code: String) async throws {
        guard token.utf8.count < 200, let secret = try? keys.open(secret: token, context: Self.enrolmentContext(account.id)),
              token != secret, let totp = OneTimeCode(secret: secret)
        else { throw DoorstepError.invalidInput(field: "secret", reason: "is not a secret this server made for this account") }
        guard let step = totp.step(of: code, at: effects.now()) else {
            throw DoorstepError.invalidInput(field: "code", reason: "does not match: check the phone's clock and type the newest code")
        }
        let sealed = try keys.seal(secret: totp.secret, context: Self.context(account.id))
        guard try await store.setOperatorTOTP(id: account.id, tenantID: account.tenantID, sealedSecret: sealed, step: step) else {
            throw DoorstepError.conflict(reason: "two-step sign-in is on already: turn it off first, with a code")
        }
    }

    /// Turns it off, with a current code: a session left open on a shared computer cannot. Wrong
    /// codes count towards the account's sign-in lockout, so they cannot be tried one after another.
    public func turnOff(for account: OperatorAccount, code: String) async throws {
        try throttle.attempt(account.username, now: effects.now())
        guard try await accepts(code, for: account) else {
            throw DoorstepError.invalidInput(field: "code", reason: "does not match")
        }
        throttle.succeeded(account.username)
        _ = try await store.setOperatorTOTP(id: account.id, tenantID: account.tenantID, sealedSecret: nil, step: nil)
    }

    /// For someone who lost their phone (`doorstep operator reset-two-step`).
    public func reset(_ account: OperatorAccount) async throws {
        _ = try await store.setOperatorTOTP(id: account.id, tenantID: account.tenantID, sealedSecret: nil, step: nil)
    }

    /// At sign-in, once the password is right: passes when two-step sign-in is off or `code` is a
    /// current one not used before; `codeRequired` without a code; false for a wrong one.
    func check(_ code: String?, for account: OperatorAccount) async throws -> Bool {
        guard try await isOn(for: account) else { return true }
        guard let code, !code.isEmpty else { throw DoorstepError.codeRequired }
        return try await accepts(code, for: account)
    }

    private func accepts(_ code: String, for account: OperatorAccount) async throws -> Bool {
        guard let sealed = try await store.operatorTOTPSecret(id: account.id),
              let totp = OneTimeCode(secret: try keys.open(secret: sealed, context: Self.context(account.id))),
              let step = totp.step(of: code, at: effects.now())
        else { return false }
        return try await store.useOperatorTOTPStep(id: account.id, step: step)
    }

    /// Binds a sealed secret to its account: copied onto another account's row, it does not open.
    static func context(_ operatorID: String) -> String { "operator-totp:\(operatorID)" }
    /// A secret handed out for set-up is sealed under another context: it cannot pass for a stored one.
    static func enrolmentContext(_ operatorID: String) -> String { "operator-totp-enrolment:\(operatorID)" }
}
