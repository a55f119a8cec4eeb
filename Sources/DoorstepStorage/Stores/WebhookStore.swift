import DoorstepCore
import Foundation

/// Tenants' webhook endpoints and their signing secrets.
public protocol WebhookStore: Sendable {
    func createWebhookEndpoint(_ endpoint: WebhookEndpoint) async throws
    func webhookEndpoints(tenantID: String) async throws -> [WebhookEndpoint]
    func webhookEndpoint(id: String) async throws -> WebhookEndpoint?
    func rotateWebhookSecret(id: String, newSecret: String, previousValidUntil: Date) async throws
    func deleteWebhookEndpoint(id: String, at: Date) async throws
}
