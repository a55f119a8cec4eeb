import DoorstepCore
import Foundation

/// Tenants with their settings and API keys; couriers with their sessions.
public protocol AccountStore: Sendable {
    func createTenant(_ tenant: Tenant) async throws
    func tenants() async throws -> [Tenant]
    func tenant(id: String) async throws -> Tenant?
    func updateSettings(_ settings: TenantSettings, tenantID: String) async throws
    /// The branding's text and colour (`branding.logo` is ignored: `setBrandLogo` sets it).
    func updateBranding(_ branding: TenantBranding, tenantID: String) async throws
    /// Replaces the tenant's logo (nil removes it), its bytes and its record in one transaction.
    func setBrandLogo(_ logo: TenantBranding.Logo?, jpeg: [UInt8]?, tenantID: String) async throws
    /// A logo's JPEG by its digest, whoever's it is (logos are public).
    func brandLogo(digest: String) async throws -> [UInt8]?
    /// `key.revokedAt` and `key.lastUsedAt` are ignored (a new key is live and unused). False,
    /// and nothing added, when the tenant already has `liveLimit` live keys (checked and written
    /// in one transaction, so concurrent additions cannot pass it together).
    @discardableResult
    func addAPIKey(_ key: APIKeyRecord, tenantID: String, digest: String, liveLimit: Int?) async throws -> Bool
    /// The live key with this digest, and its tenant.
    func apiKey(digest: String) async throws -> (tenant: Tenant, key: APIKeyRecord)?
    /// The tenant's keys, oldest first: never the key itself, only its id and shown prefix.
    func apiKeys(tenantID: String) async throws -> [APIKeyRecord]
    /// Returns false when the tenant has no such live key.
    func revokeAPIKey(id: String, tenantID: String, at: Date) async throws -> Bool
    /// Like `revokeAPIKey`, but keeps the tenant's last live key with the admin scope (one
    /// transaction: two concurrent revocations cannot remove the last two together).
    func revokeAPIKeyKeepingAnAdmin(id: String, tenantID: String, at: Date) async throws -> APIKeyRevocation
    func markAPIKeyUsed(id: String, at: Date) async throws

    /// Throws `DoorstepError.conflict` when the username is taken.
    func createCourier(_ courier: Courier, passwordHash: String) async throws
    /// The account a login is checked against: nil for an unknown or a disabled one.
    func courierCredentials(username: String) async throws -> (courier: Courier, passwordHash: String)?
    /// Any courier of the server by login name, disabled or not (for operator tools).
    func courier(username: String) async throws -> (courier: Courier, disabledAt: Date?)?
    /// Disables the account (`at`) or enables it again (nil); when that changes its state, its
    /// sessions end in the same transaction (disabling again keeps the first time).
    func setCourierDisabled(courierID: String, at: Date?) async throws
    func courier(id: String, tenantID: String) async throws -> Courier?
    func addCourierSession(digest: String, courierID: String, expiresAt: Date) async throws
    /// The session's courier, unless the session has expired or the account is disabled.
    func courier(forSessionDigest digest: String, now: Date) async throws -> Courier?
    /// The tenant's couriers, disabled ones too, by username.
    func couriers(tenantID: String) async throws -> [(courier: Courier, disabledAt: Date?)]
    func courierCount(tenantID: String) async throws -> Int
    /// A new password hash; every session of the courier ends in the same transaction.
    func setCourierPassword(courierID: String, passwordHash: String) async throws
    /// Ends every session of the courier (a lost phone, a courier who left); returns how many.
    func revokeCourierSessions(courierID: String) async throws -> Int
}

public enum APIKeyRevocation: Sendable, Equatable {
    case revoked
    case noSuchKey
    case lastAdminKey
}

public struct APIKeyRecord: Sendable, Equatable {
    public var id: String
    public var prefix: String
    public var name: String
    public var scopes: [APIScope]
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var revokedAt: Date?

    public init(
        id: String, prefix: String, name: String = "command line", scopes: [APIScope] = APIScope.allCases, createdAt: Date,
        lastUsedAt: Date? = nil, revokedAt: Date? = nil
    ) {
        (self.id, self.prefix, self.name, self.scopes) = (id, prefix, name, scopes)
        (self.createdAt, self.lastUsedAt, self.revokedAt) = (createdAt, lastUsedAt, revokedAt)
    }
}
