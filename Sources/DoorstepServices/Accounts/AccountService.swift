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

    public func addAPIKey(tenantID: String) async throws -> String {
        let key = SecretToken.generate(.apiKey)
        try await store.addAPIKey(
            id: effects.newID(), tenantID: tenantID, digest: SecretToken.digest(key),
            prefix: SecretToken.displayPrefix(key), createdAt: effects.now())
        return key
    }

    /// Changes apply to photos uploaded from now on; existing photos keep the expiry they got.
    public func updateSettings(_ settings: TenantSettings, of tenant: Tenant) async throws -> TenantSettings {
        let settings = try settings.validated()
        try await store.updateSettings(settings, tenantID: tenant.id)
        return settings
    }

    public func createCourier(tenantID: String, username: String, displayName: String, password: String) async throws -> Courier {
        let username = try Validate.text(username, field: "username", max: 100).lowercased()
        guard username.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-@".contains($0)) }) else {
            throw DoorstepError.invalidInput(field: "username", reason: "use letters, digits and . _ - @ only")
        }
        guard PasswordHasher.isAcceptable(password) else {
            throw DoorstepError.invalidInput(field: "password", reason: "must be 10 to 72 bytes long")
        }
        guard Identifier.isValid(tenantID), try await store.tenant(id: tenantID) != nil else {
            throw DoorstepError.invalidInput(field: "tenant", reason: "no such tenant")
        }
        let courier = Courier(
            id: effects.newID(), tenantID: tenantID, username: username,
            displayName: try Validate.text(displayName, field: "name", max: 200), createdAt: effects.now())
        let hash = try await passwords.hash(password)
        try await store.createCourier(courier, passwordHash: hash)
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

    public func tenant(apiKey: String) async throws -> Tenant {
        guard apiKey.hasPrefix(SecretToken.Kind.apiKey.rawValue + "_"),
              let tenant = try await store.tenant(forAPIKeyDigest: SecretToken.digest(apiKey))
        else { throw DoorstepError.unauthenticated }
        return tenant
    }

    public func courier(sessionToken: String) async throws -> Courier {
        guard sessionToken.hasPrefix(SecretToken.Kind.courierSession.rawValue + "_"),
              let courier = try await store.courier(
                forSessionDigest: SecretToken.digest(sessionToken), now: effects.now())
        else { throw DoorstepError.unauthenticated }
        return courier
    }

    private static let dummyHash = PasswordHasher().hash("doorstep-timing-equaliser")
}
