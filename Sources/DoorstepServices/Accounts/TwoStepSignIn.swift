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
    let effects: Effects

    public init(store: any OperatorStore, keys: KeyRingStore, effects: Effects) {
        (self.store, self.keys, self.effects) = (store, keys, effects)
    }

    /// A fresh secret for an operator about to turn two-step sign-in on: nothing is stored until
    /// they prove it with a code (`turnOn`).
    public struct Enrollment: Sendable {
        public var secret: String
        public var manualKey: String
        public var url: String
    }

    public func enrollment(for account: OperatorAccount, tenant: Tenant) -> Enrollment {
        let code = OneTimeCode.generate()
        return Enrollment(
            secret: code.secret, manualKey: code.manualKey, url: code.authenticatorURL(account: account.username, issuer: "Doorstep \(tenant.name)"))
    }

    public func isOn(for account: OperatorAccount) async throws -> Bool {
        try await store.operatorTOTPSecret(id: account.id) != nil
    }

    /// Turns it on with the secret the app was given, once a code from the app matches it.
    public func turnOn(for account: OperatorAccount, secret: String, code: String) async throws {
        guard let totp = OneTimeCode(secret: secret) else {
            throw DoorstepError.invalidInput(field: "secret", reason: "is not a secret this server made")
        }
        guard let step = totp.step(of: code, at: effects.now()) else {
            throw DoorstepError.invalidInput(field: "code", reason: "does not match: check the phone's clock and type the newest code")
        }
        let sealed = try keys.seal(secret: totp.secret, context: Self.context(account.id))
        guard try await store.setOperatorTOTP(id: account.id, tenantID: account.tenantID, sealedSecret: sealed, step: step) else {
            throw DoorstepError.notFound
        }
    }

    /// Turns it off, with a current code: a session left open on a shared computer cannot.
    public func turnOff(for account: OperatorAccount, code: String) async throws {
        guard try await accepts(code, for: account) else {
            throw DoorstepError.invalidInput(field: "code", reason: "does not match")
        }
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
}
