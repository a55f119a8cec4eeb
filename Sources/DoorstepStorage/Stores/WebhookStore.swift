import DoorstepCore
import Foundation

/// Tenants' webhook endpoints and their signing secrets.
public protocol WebhookStore: Sendable {
    /// Stores the endpoint while its tenant has fewer than `upTo` (counted and inserted
    /// atomically); false, and nothing written, otherwise.
    func createWebhookEndpoint(_ endpoint: WebhookEndpoint, upTo: Int) async throws -> Bool
    func webhookEndpoints(tenantID: String) async throws -> [WebhookEndpoint]
    func webhookEndpoint(id: String) async throws -> WebhookEndpoint?
    func rotateWebhookSecret(id: String, newSecret: String, previousValidUntil: Date) async throws
    func deleteWebhookEndpoint(id: String, at: Date) async throws
    /// Every endpoint's stored secrets (deleted endpoints' too), for key rotation.
    func webhookSecrets() async throws -> [StoredWebhookSecrets]
    /// Replaces an endpoint's stored secrets if they are still `old` (a rotation in between wins).
    func replaceWebhookSecrets(_ old: StoredWebhookSecrets, with new: StoredWebhookSecrets) async throws -> Bool
}

/// An endpoint's secrets as stored (sealed under the key ring).
public struct StoredWebhookSecrets: Sendable, Equatable {
    public var endpointID: String
    public var secret: String
    public var previousSecret: String?

    public init(endpointID: String, secret: String, previousSecret: String?) {
        (self.endpointID, self.secret, self.previousSecret) = (endpointID, secret, previousSecret)
    }
}
