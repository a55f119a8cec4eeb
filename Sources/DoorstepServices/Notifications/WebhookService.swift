import DoorstepCore
import DoorstepNotify
import DoorstepSecurity
import DoorstepStorage
import Foundation

/// A tenant's webhook endpoints: create (the secret is shown once), list, delete, rotate the
/// secret (the old one keeps signing for 24 hours), send a test, and read the delivery log.
/// Secrets are stored sealed under the key ring (`KeyRing.seal(secret:context:)`); the plain
/// secret leaves the server once, in the answer that created or rotated it.
public struct WebhookService: Sendable {
    let store: any WebhookStore & OutboxStore
    let channel: WebhookChannel
    let targets: WebhookTargetPolicy
    let keys: KeyRingStore
    let signal: OutboxSignal
    let effects: Effects

    public init(
        store: any WebhookStore & OutboxStore, channel: WebhookChannel, targets: WebhookTargetPolicy, keys: KeyRingStore,
        signal: OutboxSignal, effects: Effects
    ) {
        self.store = store
        self.signal = signal
        self.keys = keys
        self.channel = channel
        self.targets = targets
        self.effects = effects
    }

    /// Endpoints a tenant may have: each event is sent to every one, so their number multiplies
    /// the outbox's work.
    public static let maxEndpoints = 20

    public func create(url: String, eventTypes: [EventType], for tenant: Tenant) async throws -> WebhookEndpoint {
        _ = try targets.validate(url)
        var endpoint = WebhookEndpoint(
            id: effects.newID(), tenantID: tenant.id, url: url, secret: WebhookSigner.newSecret(), eventTypes: eventTypes,
            createdAt: effects.now())
        var stored = endpoint
        stored.secret = try keys.seal(secret: endpoint.secret, context: endpoint.id)
        guard try await store.createWebhookEndpoint(stored, upTo: Self.maxEndpoints) else {
            throw DoorstepError.limitReached(resource: "webhook endpoints per tenant", limit: Self.maxEndpoints)
        }
        endpoint.previousSecret = nil
        return endpoint
    }

    public func endpoints(of tenant: Tenant) async throws -> [WebhookEndpoint] {
        try await store.webhookEndpoints(tenantID: tenant.id)
    }

    /// The tenant's endpoint; another tenant's looks exactly like one that does not exist.
    public func endpoint(_ id: String, of tenant: Tenant) async throws -> WebhookEndpoint {
        guard Identifier.isValid(id), let endpoint = try await store.webhookEndpoint(id: id), endpoint.tenantID == tenant.id else {
            throw DoorstepError.notFound
        }
        return endpoint
    }

    public func delete(_ endpoint: WebhookEndpoint) async throws {
        try await store.deleteWebhookEndpoint(id: endpoint.id, at: effects.now())
    }

    /// A new secret; the previous one keeps signing beside it for 24 hours.
    public func rotateSecret(of endpoint: WebhookEndpoint) async throws -> WebhookEndpoint {
        var endpoint = endpoint
        let until = effects.now().addingTimeInterval(24 * 3600)
        let secret = WebhookSigner.newSecret()
        try await store.rotateWebhookSecret(
            id: endpoint.id, newSecret: try keys.seal(secret: secret, context: endpoint.id), previousValidUntil: until)
        endpoint.previousSecret = endpoint.secret
        endpoint.previousSecretUntil = until
        endpoint.secret = secret
        return endpoint
    }

    /// Sends a signed `webhook.test` now; returns nil when delivered, else why not (in words safe to show).
    public func test(_ endpoint: WebhookEndpoint) async throws -> String? {
        let body = try APIJSON.encoder.encode(WebhookPayload(
            type: "webhook.test", timestamp: effects.now(), data: ["endpoint_id": endpoint.id], links: [:]))
        do {
            try await channel.post(Array(body), to: endpoint, id: effects.newID())
            return nil
        } catch let failure as DeliveryFailure {
            return failure.reason
        }
    }

    /// A dead letter of this endpoint sent again: back to pending with its attempts reset, and the
    /// outbox worker woken. What is pending or delivered is left alone (409); another endpoint's
    /// message is one that does not exist (404).
    public func replay(_ messageID: String, of endpoint: WebhookEndpoint) async throws -> OutboxMessage {
        guard Identifier.isValid(messageID) else { throw DoorstepError.notFound }
        let replayed = try await store.replayOutboxMessage(id: messageID, endpointID: endpoint.id, at: effects.now())
        // Read back by id, whatever its state: the woken worker may have sent it already, and a
        // backlog may hold it behind any number of newer messages.
        guard let message = try await store.outboxMessage(id: messageID), message.endpointID == endpoint.id else {
            throw DoorstepError.notFound
        }
        guard replayed else { throw DoorstepError.conflict(reason: "only a dead letter can be sent again") }
        signal.notify()
        return message
    }

    /// How much of an endpoint's history the delivery log shows.
    static let logLength = 100

    /// The endpoint's last 100 messages, newest first.
    public func deliveryLog(of endpoint: WebhookEndpoint) async throws -> [OutboxMessage] {
        try await store.outboxMessages(state: nil, endpointID: endpoint.id, limit: Self.logLength)
    }
}
