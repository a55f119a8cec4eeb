import DoorstepCore
import DoorstepNotify
import Foundation
import Hummingbird

/// A tenant's webhook endpoints: create (the secret is shown once), list, delete, rotate the
/// secret (the old one keeps signing for 24 hours), send a test, and read the delivery log.
struct WebhookController {
    let dependencies: AppDependencies

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("", use: create)
        group.get("", use: list)
        group.delete(":id", use: delete)
        group.post(":id/rotate-secret", use: rotate)
        group.post(":id/test", use: test)
        group.get(":id/deliveries", use: log)
    }

    private func tenant(_ request: Request) async throws -> Tenant {
        guard let token = request.bearerToken else { throw DoorstepError.unauthenticated }
        return try await dependencies.accounts.tenant(apiKey: token)
    }

    private func endpoint(_ context: AppRequestContext, of tenant: Tenant) async throws -> WebhookEndpoint {
        guard let id = context.parameters.get("id"), Identifier.isValid(id),
              let endpoint = try await dependencies.store.webhookEndpoint(id: id), endpoint.tenantID == tenant.id
        else { throw DoorstepError.notFound }
        return endpoint
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenant(request)
        let body = try await request.decodeJSON(as: CreateWebhookRequest.self, context: context)
        guard let url = URL(string: body.url), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            throw DoorstepError.invalidInput(field: "url", reason: "must be an http or https URL")
        }
        let endpoint = WebhookEndpoint(
            id: dependencies.effects.newID(), tenantID: tenant.id, url: body.url, secret: WebhookSigner.newSecret(),
            eventTypes: body.eventTypes ?? [], createdAt: dependencies.effects.now())
        try await dependencies.store.createWebhookEndpoint(endpoint)
        return try JSONResponse.make(WebhookResource(endpoint, showSecret: true), status: .created)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let endpoints = try await dependencies.store.webhookEndpoints(tenantID: try await tenant(request).id)
        return try JSONResponse.make(["items": endpoints.map { WebhookResource($0, showSecret: false) }])
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let endpoint = try await endpoint(context, of: try await tenant(request))
        try await dependencies.store.deleteWebhookEndpoint(id: endpoint.id, at: dependencies.effects.now())
        return Response(status: .noContent)
    }

    @Sendable func rotate(_ request: Request, context: AppRequestContext) async throws -> Response {
        var endpoint = try await endpoint(context, of: try await tenant(request))
        let until = dependencies.effects.now().addingTimeInterval(24 * 3600)
        let secret = WebhookSigner.newSecret()
        try await dependencies.store.rotateWebhookSecret(id: endpoint.id, newSecret: secret, previousValidUntil: until)
        endpoint.previousSecret = endpoint.secret
        endpoint.previousSecretUntil = until
        endpoint.secret = secret
        return try JSONResponse.make(WebhookResource(endpoint, showSecret: true))
    }

    /// Sends a signed `webhook.test` now and reports what the endpoint answered.
    @Sendable func test(_ request: Request, context: AppRequestContext) async throws -> Response {
        let endpoint = try await endpoint(context, of: try await tenant(request))
        let body = try JSONResponse.encoder.encode(WebhookPayload(
            type: "webhook.test", timestamp: dependencies.effects.now(), data: ["endpoint_id": endpoint.id], links: [:]))
        do {
            try await WebhookChannel(dependencies: dependencies).post(Array(body), to: endpoint, id: dependencies.effects.newID())
            return try JSONResponse.make(["ok": "true", "result": "delivered"])
        } catch let failure as DeliveryFailure {
            return try JSONResponse.make(["ok": "false", "result": failure.reason])
        }
    }

    @Sendable func log(_ request: Request, context: AppRequestContext) async throws -> Response {
        let endpoint = try await endpoint(context, of: try await tenant(request))
        let messages = try await dependencies.store.outboxMessages(state: nil, endpointID: endpoint.id, limit: 100)
        return try JSONResponse.make(["items": messages.map(DeliveryLogEntry.init)])
    }
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
