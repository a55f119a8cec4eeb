import DoorstepCore
import DoorstepSecurity
import Foundation

/// Tenants, API keys, couriers and their sessions.
public struct AccountService: Sendable {
    let dependencies: AppDependencies

    public struct NewTenant: Sendable {
        public var tenant: Tenant
        /// Shown once; only its digest is stored.
        public var apiKey: String
    }

    public func createTenant(name: String) async throws -> NewTenant {
        let name = try Validate.text(name, field: "name", max: 200)
        let tenant = Tenant(id: dependencies.effects.newID(), name: name, createdAt: dependencies.effects.now())
        try await dependencies.store.createTenant(tenant)
        return NewTenant(tenant: tenant, apiKey: try await addAPIKey(tenantID: tenant.id))
    }

    public func addAPIKey(tenantID: String) async throws -> String {
        let key = SecretToken.generate(.apiKey)
        try await dependencies.store.addAPIKey(
            id: dependencies.effects.newID(), tenantID: tenantID, digest: SecretToken.digest(key),
            prefix: SecretToken.displayPrefix(key), createdAt: dependencies.effects.now())
        return key
    }

    public func createCourier(tenantID: String, username: String, displayName: String, password: String) async throws -> Courier {
        let username = try Validate.text(username, field: "username", max: 100).lowercased()
        guard username.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-@".contains($0)) }) else {
            throw DoorstepError.invalidInput(field: "username", reason: "use letters, digits and . _ - @ only")
        }
        guard PasswordHasher.isAcceptable(password) else {
            throw DoorstepError.invalidInput(field: "password", reason: "must be 10 to 72 bytes long")
        }
        guard Identifier.isValid(tenantID), try await dependencies.store.tenant(id: tenantID) != nil else {
            throw DoorstepError.invalidInput(field: "tenant", reason: "no such tenant")
        }
        let courier = Courier(
            id: dependencies.effects.newID(), tenantID: tenantID, username: username,
            displayName: try Validate.text(displayName, field: "name", max: 200), createdAt: dependencies.effects.now())
        let passwords = dependencies.passwords
        let hash = try await dependencies.images.run { passwords.hash(password) }
        try await dependencies.store.createCourier(courier, passwordHash: hash)
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
    /// the same, and take about as long (a dummy hash is checked when the user is unknown).
    public func login(username: String, password: String) async throws -> Session {
        let credentials = try await dependencies.store.courierCredentials(username: username.lowercased())
        let passwords = dependencies.passwords
        let hash = credentials?.passwordHash ?? Self.dummyHash
        let valid = try await dependencies.images.run { passwords.verify(password, against: hash) }
        guard valid, let courier = credentials?.courier else { throw DoorstepError.unauthenticated }
        return try await openSession(for: courier)
    }

    /// Opens a session without a password: for operator tools (`doorstep demo`) only.
    public func openSession(for courier: Courier) async throws -> Session {
        let token = SecretToken.generate(.courierSession)
        let expiresAt = dependencies.effects.now().addingTimeInterval(dependencies.configuration.courierSessionLifetime)
        try await dependencies.store.addCourierSession(digest: SecretToken.digest(token), courierID: courier.id, expiresAt: expiresAt)
        return Session(token: token, expiresAt: expiresAt, courierID: courier.id)
    }

    public func tenant(apiKey: String) async throws -> Tenant {
        guard apiKey.hasPrefix(SecretToken.Kind.apiKey.rawValue + "_"),
              let tenant = try await dependencies.store.tenant(forAPIKeyDigest: SecretToken.digest(apiKey))
        else { throw DoorstepError.unauthenticated }
        return tenant
    }

    public func courier(sessionToken: String) async throws -> Courier {
        guard sessionToken.hasPrefix(SecretToken.Kind.courierSession.rawValue + "_"),
              let courier = try await dependencies.store.courier(
                forSessionDigest: SecretToken.digest(sessionToken), now: dependencies.effects.now())
        else { throw DoorstepError.unauthenticated }
        return courier
    }

    private static let dummyHash = PasswordHasher().hash("doorstep-timing-equaliser")
}
