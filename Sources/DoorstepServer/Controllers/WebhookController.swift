import DoorstepCore
import DoorstepServices
import Foundation
import Hummingbird

/// A tenant's webhook endpoints: create (the secret is shown once), list, delete, rotate the
/// secret (the old one keeps signing for 24 hours), send a test, read the delivery log and send
/// a dead letter again.
struct WebhookController {
    let authenticator: TenantAuthenticator
    let webhooks: WebhookService
    let rateLimits: RateLimits

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.add(middleware: authenticator)
        group.post("", use: create)
        group.get("", use: list)
        group.delete(":id", use: delete)
        group.post(":id/rotate-secret", use: rotate)
        group.post(":id/test", use: test)
        group.get(":id/deliveries", use: log)
        group.post(":id/deliveries/:message/replay", use: replay)
    }

    private func endpoint(_ context: AppRequestContext, needs scope: APIScope = .admin) async throws -> WebhookEndpoint {
        try await webhooks.endpoint(context.parameters.get("id") ?? "", of: try context.requireTenant(scope, adminOnlyForOperators: true).tenant)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant(.admin).tenant
        let body = try await request.decodeJSON(as: CreateWebhookRequest.self, context: context)
        let endpoint = try await webhooks.create(url: body.url, eventTypes: body.eventTypes ?? [], for: tenant)
        context.activity.target = endpoint.id
        return try JSONResponse.make(WebhookResource(endpoint, showSecret: true), status: .created)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let endpoints = try await webhooks.endpoints(of: try context.requireTenant(.read, adminOnlyForOperators: true).tenant)
        return try JSONResponse.make(["items": endpoints.map { WebhookResource($0, showSecret: false) }])
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await webhooks.delete(try await endpoint(context))
        return Response(status: .noContent)
    }

    @Sendable func rotate(_ request: Request, context: AppRequestContext) async throws -> Response {
        try JSONResponse.make(WebhookResource(try await webhooks.rotateSecret(of: try await endpoint(context)), showSecret: true))
    }

    /// Sends a signed `webhook.test` now and reports what the endpoint answered.
    @Sendable func test(_ request: Request, context: AppRequestContext) async throws -> Response {
        try rateLimits.check(.webhookTest, try context.requireTenant(.admin).tenant.id)
        let failure = try await webhooks.test(try await endpoint(context))
        return try JSONResponse.make(WebhookTestResult(ok: failure == nil, result: failure ?? "delivered"))
    }

    @Sendable func log(_ request: Request, context: AppRequestContext) async throws -> Response {
        let messages = try await webhooks.deliveryLog(of: try await endpoint(context, needs: .read))
        return try JSONResponse.make(["items": messages.map(DeliveryLogEntry.init)])
    }

    @Sendable func replay(_ request: Request, context: AppRequestContext) async throws -> Response {
        let message = try await webhooks.replay(context.parameters.get("message") ?? "", of: try await endpoint(context))
        return try JSONResponse.make(DeliveryLogEntry(message))
    }
}

/// What a `webhook.test` met: `ok` when the endpoint answered 2xx, else why not in `result`.
struct WebhookTestResult: Encodable {
    var ok: Bool
    var result: String
}

struct CreateWebhookRequest: Decodable {
    var url: String
    var eventTypes: [EventType]?

    enum CodingKeys: String, CodingKey {
        case url, eventTypes = "event_types"
    }
}

struct WebhookResource: Encodable {
    var id: String
    var url: String
    var eventTypes: [EventType]
    var secret: String?
    var previousSecretValidUntil: Date?
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, url, eventTypes = "event_types", secret, previousSecretValidUntil = "previous_secret_valid_until", createdAt = "created_at"
    }

    init(_ endpoint: WebhookEndpoint, showSecret: Bool) {
        id = endpoint.id
        url = endpoint.url
        eventTypes = endpoint.eventTypes
        secret = showSecret ? endpoint.secret : nil
        previousSecretValidUntil = endpoint.previousSecretUntil
        createdAt = endpoint.createdAt
    }
}

struct DeliveryLogEntry: Encodable {
    var id: String
    var eventType: String
    var eventID: String
    var state: String
    var attempts: Int
    var lastError: String?
    var nextAttemptAt: Date?
    var sentAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, eventType = "event_type", eventID = "event_id", state, attempts, lastError = "last_error"
        case nextAttemptAt = "next_attempt_at", sentAt = "sent_at"
    }

    init(_ message: OutboxMessage) {
        id = message.id
        eventType = message.event.type.rawValue
        eventID = message.event.id
        state = message.state.rawValue
        attempts = message.attempts
        lastError = message.lastError
        nextAttemptAt = message.state == .pending ? message.nextAttemptAt : nil
        sentAt = message.sentAt
    }
}

/// One message a delivery's event caused, on any channel: the webhook log's entry, with the
/// channel, the endpoint (for webhooks) and when its event happened.
struct NotificationEntry: Encodable {
    var channel: OutboxMessage.Channel
    var endpointID: String?
    var occurredAt: Date
    var message: DeliveryLogEntry

    init(_ message: OutboxMessage) {
        (channel, endpointID, occurredAt, self.message) = (message.channel, message.endpointID, message.event.occurredAt, DeliveryLogEntry(message))
    }

    enum CodingKeys: String, CodingKey { case channel, endpointID = "endpoint_id", occurredAt = "occurred_at" }

    func encode(to encoder: any Encoder) throws {
        try message.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(channel, forKey: .channel)
        try container.encodeIfPresent(endpointID, forKey: .endpointID)
        try container.encode(occurredAt, forKey: .occurredAt)
    }
}
