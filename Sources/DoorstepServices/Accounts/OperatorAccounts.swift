import DoorstepCore
import DoorstepSecurity
import DoorstepStorage
import Foundation

/// The tenant's staff: their accounts, and their console sessions. A session is a secret in an
/// HttpOnly cookie; it ends when signed out, after `lifetime`, or once unused for `idleTimeout`.
public struct OperatorAccounts: Sendable {
    let store: any OperatorStore & AccountStore & ActivityStore
    let passwords: PasswordWork
    let throttle: LoginThrottle
    public let lifetime: TimeInterval
    let idleTimeout: TimeInterval
    let effects: Effects
    /// When this server last pushed each session's idle time on: once a minute is plenty, and
    /// keeps authenticating a read.
    let touches = KeyUseLog()

    /// Sign-ins, sign-outs and changes to accounts, for the tenant's admins.
    let activity: ActivityLog
    /// The code after the password, for those who turned it on.
    public let twoStep: TwoStepSignIn

    public init(
        store: any OperatorStore & AccountStore & ActivityStore, passwords: PasswordWork, keys: KeyRingStore,
        throttle: LoginThrottle = LoginThrottle(), lifetime: TimeInterval, idleTimeout: TimeInterval, effects: Effects
    ) {
        (self.store, self.passwords, self.throttle, self.lifetime, self.idleTimeout, self.effects) =
            (store, passwords, throttle, lifetime, idleTimeout, effects)
        activity = ActivityLog(store: store, effects: effects)
        twoStep = TwoStepSignIn(store: store, keys: keys, throttle: throttle, effects: effects)
    }

    /// What the anti-forgery token is derived for (`SecretToken.companion`).
    static let csrfPurpose = "doorstep operator console: anti-forgery"

    public struct Session: Sendable {
        /// The cookie's value: shown to the browser once, stored as a digest.
        public var token: String
        /// The console script sends this back on every change (`X-CSRF-Token`).
        public var csrfToken: String
        public var expiresAt: Date
        /// When it ends unless used again (never after `expiresAt`).
        public var idleUntil: Date
        /// Seconds from now to `idleUntil`, on the service's clock.
        public var endsIn: TimeInterval = 0
        public var account: OperatorAccount
        public var tenant: Tenant
    }

    public func create(
        tenantID: String, username: String, displayName: String, role: OperatorRole, password: String,
        by actor: AccessEvent.Actor, actorID: String?
    ) async throws -> OperatorAccount {
        let new = try await NewAccount(tenantID: tenantID, username: username, displayName: displayName, password: password, accounts: store)
        let account = OperatorAccount(
            id: effects.newID(), tenantID: tenantID, username: new.username, displayName: new.displayName, role: role, createdAt: effects.now())
        try await store.createOperator(account, passwordHash: try await passwords.hash(password))
        await activity.record(.operatorCreated, tenantID: tenantID, by: actor, actorID: actorID, target: account.id, detail: role.rawValue)
        return account
    }

    /// Checks the password (and, for an account with two-step sign-in, the `code`) and opens a
    /// session; unknown names and wrong passwords look alike and lock alike, as couriers' do
    /// (`AccountService.login`). A wrong code counts as a wrong password; a right password without
    /// a code answers `codeRequired` and counts as an attempt too, so codes cannot be guessed faster
    /// than passwords.
    public func signIn(username: String, password: String, code: String? = nil) async throws -> Session {
        let name = username.lowercased()
        guard name.utf8.count <= 100, (code?.utf8.count ?? 0) <= 20 else { throw DoorstepError.unauthenticated }
        try throttle.attempt(name, now: effects.now())
        let credentials = try await store.operatorCredentials(username: name)
        let valid = try await passwords.verify(password, against: credentials?.passwordHash ?? AccountService.dummyHash)
        let secondStep = valid ? try await credentials.asyncMap { try await twoStep.check(code, for: $0.account) } ?? false : false
        guard secondStep, let account = credentials?.account, let tenant = try await store.tenant(id: account.tenantID) else {
            // Tried against one of a tenant's accounts: its admins see it (who tried is not known).
            // Written off the answer's path: a refusal for a name that exists must take no longer
            // than one for a name that does not, or the time would tell which names exist.
            if let account = credentials?.account {
                let activity = activity
                Task { await activity.record(.signInRefused, tenantID: account.tenantID, by: .staff, actorID: nil, target: account.id) }
            }
            throw DoorstepError.unauthenticated
        }
        throttle.succeeded(name)
        let token = SecretToken.generate(.operatorSession)
        let now = effects.now()
        let expiresAt = now.addingTimeInterval(lifetime)
        let idleUntil = min(expiresAt, now.addingTimeInterval(idleTimeout))
        try await store.addOperatorSession(digest: SecretToken.digest(token), operatorID: account.id, expiresAt: expiresAt, idleUntil: idleUntil)
        await activity.record(.signedIn, tenantID: tenant.id, by: .staff, actorID: account.id)
        return Session(
            token: token, csrfToken: Self.csrfToken(for: token), expiresAt: expiresAt, idleUntil: idleUntil,
            endsIn: idleUntil.timeIntervalSince(now), account: account, tenant: tenant)
    }

    /// The open session a cookie names, its idle time pushed on; `unauthenticated` otherwise.
    public func session(token: String) async throws -> Session {
        guard token.hasPrefix(SecretToken.Kind.operatorSession.rawValue + "_"), token.utf8.count < 200 else {
            throw DoorstepError.unauthenticated
        }
        let digest = SecretToken.digest(token)
        let now = effects.now()
        guard let found = try await store.operatorSession(digest: digest, now: now) else { throw DoorstepError.unauthenticated }
        var idleUntil = found.idleUntil
        if touches.shouldRecord(digest, now: now) {
            let pushed = min(found.expiresAt, now.addingTimeInterval(idleTimeout))
            // Bookkeeping, not a condition of access: a busy database must not turn the operator
            // away. The next use a minute on tries again, well within the idle time (≥ 5 minutes).
            if (try? await store.touchOperatorSession(digest: digest, idleUntil: pushed)) != nil { idleUntil = pushed }
        }
        return Session(
            token: token, csrfToken: Self.csrfToken(for: token), expiresAt: found.expiresAt, idleUntil: idleUntil,
            endsIn: idleUntil.timeIntervalSince(now), account: found.account, tenant: found.tenant)
    }

    public func signOut(token: String) async throws {
        let digest = SecretToken.digest(token)
        let session = try await store.operatorSession(digest: digest, now: effects.now())
        try await store.deleteOperatorSession(digest: digest)
        if let account = session?.account {
            await activity.record(.signedOut, tenantID: account.tenantID, by: .staff, actorID: account.id)
        }
    }

    public static func csrfToken(for sessionToken: String) -> String {
        SecretToken.companion(of: sessionToken, purpose: csrfPurpose)
    }

    public static func isValidCSRFToken(_ presented: String?, for sessionToken: String) -> Bool {
        guard let presented else { return false }
        return SecretToken.matchesCompanion(presented, of: sessionToken, purpose: csrfPurpose)
    }

    public func operators(of tenant: Tenant) async throws -> [(account: OperatorAccount, disabledAt: Date?)] {
        try await store.operators(tenantID: tenant.id)
    }

    /// Turns off two-step sign-in for one of the tenant's operators by sign-in name (a lost
    /// phone); they sign in with their password alone until they turn it on again.
    public func resetTwoStep(username: String, tenantID: String, by actor: AccessEvent.Actor, actorID: String?) async throws {
        let account = try await account(username: username, tenantID: tenantID)
        try await twoStep.reset(account)
        await activity.record(.twoStepReset, tenantID: tenantID, by: actor, actorID: actorID, target: account.id)
    }

    /// Disables (or enables again) one of the tenant's operators by sign-in name; their sessions
    /// end now either way.
    public func setDisabled(_ disabled: Bool, username: String, tenantID: String, by actor: AccessEvent.Actor, actorID: String?) async throws {
        let account = try await account(username: username, tenantID: tenantID)
        guard try await store.setOperatorDisabled(id: account.id, tenantID: tenantID, at: disabled ? effects.now() : nil)
        else { throw DoorstepError.notFound }
        await activity.record(disabled ? .operatorDisabled : .operatorEnabled, tenantID: tenantID, by: actor, actorID: actorID, target: account.id)
    }

    /// One of the tenant's operators by sign-in name (names are kept lower-case); not found otherwise.
    private func account(username: String, tenantID: String) async throws -> OperatorAccount {
        guard let account = try await store.operators(tenantID: tenantID).first(where: { $0.account.username == username.lowercased() })?.account
        else { throw DoorstepError.notFound }
        return account
    }
}
