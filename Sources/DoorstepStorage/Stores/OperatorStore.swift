import DoorstepCore
import Foundation

/// The tenant's staff and their console sessions. Sessions are stored as digests only: a stolen
/// database opens no console.
public protocol OperatorStore: Sendable {
    /// Throws `DoorstepError.conflict` when the username is taken.
    func createOperator(_ account: OperatorAccount, passwordHash: String) async throws
    /// The account a sign-in is checked against: nil for an unknown or a disabled one.
    func operatorCredentials(username: String) async throws -> (account: OperatorAccount, passwordHash: String)?
    /// The tenant's operators, disabled ones too, by username.
    func operators(tenantID: String) async throws -> [(account: OperatorAccount, disabledAt: Date?)]
    /// Disables the account (`at`) or enables it again (nil); either way its sessions end in the
    /// same transaction. False when the tenant has no such operator.
    func setOperatorDisabled(id: String, tenantID: String, at: Date?) async throws -> Bool

    /// The operator's sealed authenticator secret, nil while two-step sign-in is off.
    func operatorTOTPSecret(id: String) async throws -> String?
    /// Turns two-step sign-in on with a sealed secret and the step of the code that proved it
    /// (only while it is off), or off (nil). False when nothing changed: no such operator of the
    /// tenant, or it was on already.
    func setOperatorTOTP(id: String, tenantID: String, sealedSecret: String?, step: Int64?) async throws -> Bool
    /// Takes `step` for the operator unless it, or a later one, was taken: a code works once,
    /// even when two sign-ins race with it.
    func useOperatorTOTPStep(id: String, step: Int64) async throws -> Bool
    /// Every sealed authenticator secret, by operator (key rotation reseals them).
    func operatorTOTPSecrets() async throws -> [(operatorID: String, sealed: String)]
    /// Replaces a sealed secret unless it changed meanwhile (turned off, or on again).
    func replaceOperatorTOTPSecret(operatorID: String, old: String, new: String) async throws -> Bool

    func addOperatorSession(digest: String, operatorID: String, expiresAt: Date, idleUntil: Date) async throws
    /// The session's operator and tenant, unless the session has expired or gone idle, or the
    /// account is disabled.
    func operatorSession(digest: String, now: Date) async throws -> OperatorSessionRecord?
    /// Keeps an active session from going idle: never shortens it, never past its expiry.
    func touchOperatorSession(digest: String, idleUntil: Date) async throws
    func deleteOperatorSession(digest: String) async throws
}

public struct OperatorSessionRecord: Sendable {
    public var account: OperatorAccount
    public var tenant: Tenant
    public var expiresAt: Date
    public var idleUntil: Date

    public init(account: OperatorAccount, tenant: Tenant, expiresAt: Date, idleUntil: Date) {
        (self.account, self.tenant, self.expiresAt, self.idleUntil) = (account, tenant, expiresAt, idleUntil)
    }
}
