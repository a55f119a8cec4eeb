import DoorstepCore
import Foundation

/// Tenants with their settings and API keys; couriers with their sessions.
public protocol AccountStore: Sendable {
    func createTenant(_ tenant: Tenant) async throws
    func tenants() async throws -> [Tenant]
    func tenant(id: String) async throws -> Tenant?
    func updateSettings(_ settings: TenantSettings, tenantID: String) async throws
    func addAPIKey(id: String, tenantID: String, digest: String, prefix: String, createdAt: Date) async throws
    func tenant(forAPIKeyDigest digest: String) async throws -> Tenant?

    /// Throws `DoorstepError.conflict` when the username is taken.
    func createCourier(_ courier: Courier, passwordHash: String) async throws
    func courierCredentials(username: String) async throws -> (courier: Courier, passwordHash: String)?
    func courier(id: String, tenantID: String) async throws -> Courier?
    func addCourierSession(digest: String, courierID: String, expiresAt: Date) async throws
    func courier(forSessionDigest digest: String, now: Date) async throws -> Courier?
}
