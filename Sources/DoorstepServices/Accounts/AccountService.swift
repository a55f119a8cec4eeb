import DoorstepCore
import DoorstepSecurity
import DoorstepStorage
import Foundation

/// Tenants, API keys, couriers and their sessions.
public struct AccountService: Sendable {
    let store: any AccountStore
    let passwords: PasswordWork
    let throttle: LoginThrottle
    let sessionLifetime: TimeInterval
    let effects: Effects
    let keyUse = KeyUseLog()

    public init(
        store: any AccountStore, passwords: PasswordWork, throttle: LoginThrottle = LoginThrottle(), sessionLifetime: TimeInterval,
        effects: Effects
    ) {
        self.store = store
        self.passwords = passwords
        self.throttle = throttle
        self.sessionLifetime = sessionLifetime
        self.effects = effects
    }

    public struct NewTenant: Sendable {
        public var tenant: Tenant
        /// Shown once; only its digest is stored.
        public var apiKey: String
    }

    public func createTenant(name: String) async throws -> NewTenant {
        let name = try Validate.text(name, field: "name", max: 200)
        let tenant = Tenant(id: effects.newID(), name: name, createdAt: effects.now())
        try await store.createTenant(tenant)
        return NewTenant(tenant: tenant, apiKey: try await addAPIKey(tenantID: tenant.id))
    }

    public func tenant(id: String) async throws -> Tenant? {
        try await store.tenant(id: id)
    }

    /// A key with every scope, named "command line": the tenant's first, or an operator's (`tenant add-key`).
    public func addAPIKey(tenantID: String) async throws -> String {
        try await createAPIKey(tenantID: tenantID, name: "command line", scopes: APIScope.allCases).secret
    }

    /// At most this many live keys a tenant: enough for every system and person, not a store to fill.
    public static let maxLiveKeys = 20

    /// A new key: the secret is returned once and only its digest is stored.
    public func createAPIKey(tenantID: String, name: String, scopes: [APIScope]) async throws -> (key: APIKeyRecord, secret: String) {
        let name = try Validate.text(name, field: "name", max: 100)
        guard !scopes.isEmpty else { throw DoorstepError.invalidInput(field: "scopes", reason: "must name at least one scope") }
        let secret = SecretToken.generate(.apiKey)
        let key = APIKeyRecord(
            id: effects.newID(), prefix: SecretToken.displayPrefix(secret), name: name, scopes: Set(scopes).sorted(), createdAt: effects.now())
        guard try await store.addAPIKey(key, tenantID: tenantID, digest: SecretToken.digest(secret), liveLimit: Self.maxLiveKeys) else {
            throw DoorstepError.limitReached(resource: "live API keys", limit: Self.maxLiveKeys)
        }
        return (key, secret)
    }

    /// The tenant's live keys, oldest first.
    public func apiKeys(of tenant: Tenant) async throws -> [APIKeyRecord] {
        try await store.apiKeys(tenantID: tenant.id).filter { $0.revokedAt == nil }
    }

    /// Refused from the next request on; false when the tenant has no such live key. The last
    /// live key with the admin scope stays: without it the tenant could not make keys again.
    public func revokeAPIKey(id: String, of tenant: Tenant) async throws -> Bool {
        guard Identifier.isValid(id) else { return false }
        switch try await store.revokeAPIKeyKeepingAnAdmin(id: id, tenantID: tenant.id, at: effects.now()) {
        case .revoked: return true
        case .noSuchKey: return false
        case .lastAdminKey: throw DoorstepError.conflict(reason: "this is the last key with the admin scope: make another one first")
        }
    }

    /// Changes apply to photos uploaded from now on; existing photos keep the expiry they got.
    public func updateSettings(_ settings: TenantSettings, of tenant: Tenant) async throws -> TenantSettings {
        let settings = try settings.validated()
        try await store.updateSettings(settings, tenantID: tenant.id)
        return settings
    }

    /// At most this many couriers a tenant (disabled ones count): a large carrier's fleet, and a
    /// bound on the list the console shows whole. Checked before the insert, not with it: two
    /// creations at once may pass it by one.
    public static let maxCouriers = 5000

    public func createCourier(tenantID: String, username: String, displayName: String, password: String) async throws -> Courier {
        guard try await store.courierCount(tenantID: tenantID) < Self.maxCouriers else {
            throw DoorstepError.limitReached(resource: "couriers", limit: Self.maxCouriers)
        }
        let new = try await NewAccount(tenantID: tenantID, username: username, displayName: displayName, password: password, accounts: store)
        let courier = Courier(id: effects.newID(), tenantID: tenantID, username: new.username, displayName: new.displayName, createdAt: effects.now())
        let hash = try await passwords.hash(password)
        try await store.createCourier(courier, passwordHash: hash)
        return courier
    }

    /// The tenant's couriers, disabled ones too, by username.
    public func couriers(of tenant: Tenant) async throws -> [(courier: Courier, disabledAt: Date?)] {
        try await store.couriers(tenantID: tenant.id)
    }

    /// Disables one of the tenant's couriers (their sessions end now; their password signs in no
    /// more; their photos and audit entries stay) or enables them again.
    public func setCourierDisabled(_ disabled: Bool, courierID: String, of tenant: Tenant) async throws -> (courier: Courier, disabledAt: Date?) {
        let courier = try await courier(courierID, of: tenant)
        try await store.setCourierDisabled(courierID: courier.id, at: disabled ? effects.now() : nil)
        return try await withState(courier)
    }

    /// A new password for one of the tenant's couriers (forgotten, or known to someone else):
    /// the old one signs in no more and every session ends.
    public func resetCourierPassword(courierID: String, to password: String, of tenant: Tenant) async throws -> (courier: Courier, disabledAt: Date?) {
        let courier = try await courier(courierID, of: tenant)
        guard PasswordHasher.isAcceptable(password) else {
            throw DoorstepError.invalidInput(field: "password", reason: "must be 10 to 72 bytes long")
        }
        try await store.setCourierPassword(courierID: courier.id, passwordHash: try await passwords.hash(password))
        return try await withState(courier)
    }

    /// The courier with whether (since when) they are disabled, as stored now.
    private func withState(_ courier: Courier) async throws -> (courier: Courier, disabledAt: Date?) {
        (courier, try await store.courier(username: courier.username)?.disabledAt)
    }

    /// One of the tenant's couriers; another tenant's, or no such id, is not found.
    private func courier(_ id: String, of tenant: Tenant) async throws -> Courier {
        guard Identifier.isValid(id), let courier = try await store.courier(id: id, tenantID: tenant.id) else { throw DoorstepError.notFound }
        return courier
    }

    public struct Session: Sendable, Encodable {
        public var token: String
        public var expiresAt: Date
        public var courierID: String

        enum CodingKeys: String, CodingKey {
            case token, expiresAt = "expires_at", courierID = "courier_id"
        }
    }

    /// Checks a courier's password and opens a session. Wrong username and wrong password look
    /// the same, and take about as long (a dummy hash is checked when the user is unknown); so do
    /// their lockouts after repeated failures (`LoginThrottle`), known name or not.
    public func login(username: String, password: String) async throws -> Session {
        let name = username.lowercased()
        // No such account can exist (usernames are at most 100 characters): nothing to count.
        guard name.utf8.count <= 100 else { throw DoorstepError.unauthenticated }
        try throttle.attempt(name, now: effects.now())
        let credentials = try await store.courierCredentials(username: name)
        let valid = try await passwords.verify(password, against: credentials?.passwordHash ?? Self.dummyHash)
        guard valid, let courier = credentials?.courier else { throw DoorstepError.unauthenticated }
        throttle.succeeded(name)
        return try await openSession(for: courier)
    }

    /// Opens a session without a password: for operator tools (`doorstep demo`) only.
    public func openSession(for courier: Courier) async throws -> Session {
        let token = SecretToken.generate(.courierSession)
        let expiresAt = effects.now().addingTimeInterval(sessionLifetime)
        try await store.addCourierSession(digest: SecretToken.digest(token), courierID: courier.id, expiresAt: expiresAt)
        return Session(token: token, expiresAt: expiresAt, courierID: courier.id)
    }

    /// The tenant and the key a request presents; the key's last use is written down at most
    /// once a minute per server (`keyUse`), so authenticating stays a read.
    public func tenant(apiKey: String) async throws -> (tenant: Tenant, key: APIKeyRecord) {
        guard apiKey.hasPrefix(SecretToken.Kind.apiKey.rawValue + "_"),
              let found = try await store.apiKey(digest: SecretToken.digest(apiKey))
        else { throw DoorstepError.unauthenticated }
        let now = effects.now()
        if keyUse.shouldRecord(found.key.id, now: now) {
            // Bookkeeping for people, not a condition of access: a busy or full database must
            // not turn a valid key away. The next use a minute on writes it again.
            try? await store.markAPIKeyUsed(id: found.key.id, at: now)
        }
        return found
    }

    public func courier(sessionToken: String) async throws -> Courier {
        guard sessionToken.hasPrefix(SecretToken.Kind.courierSession.rawValue + "_"),
              let courier = try await store.courier(
                forSessionDigest: SecretToken.digest(sessionToken), now: effects.now())
        else { throw DoorstepError.unauthenticated }
        return courier
    }

    static let dummyHash = PasswordHasher().hash("doorstep-timing-equaliser")
}
