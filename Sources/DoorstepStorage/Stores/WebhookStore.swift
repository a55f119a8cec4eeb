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
}
