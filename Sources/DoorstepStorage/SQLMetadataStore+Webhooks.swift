import DoorstepCore
import Foundation
import SQLKit

extension SQLMetadataStore {
    public func createWebhookEndpoint(_ endpoint: WebhookEndpoint, upTo limit: Int) async throws -> Bool {
        try await insert(underCap: limit, parent: ("tenants", endpoint.tenantID), count: """
            SELECT COUNT(*) AS n FROM webhook_endpoints WHERE tenant_id = \(bind: endpoint.tenantID) AND deleted_at IS NULL
            """) { db in
            try await db.raw("""
                INSERT INTO webhook_endpoints (id, tenant_id, url, secret, event_types, created_at)
                VALUES (\(bind: endpoint.id), \(bind: endpoint.tenantID), \(bind: endpoint.url), \(bind: endpoint.secret),
                        \(bind: EndpointRow.encode(endpoint.eventTypes)), \(bind: endpoint.createdAt.epochMilliseconds))
                """).run()
        }
    }

    public func webhookEndpoints(tenantID: String) async throws -> [WebhookEndpoint] {
        try await source.withConnection { db in
            try await db.raw("""
                SELECT \(unsafeRaw: EndpointRow.columns) FROM webhook_endpoints
                WHERE tenant_id = \(bind: tenantID) AND deleted_at IS NULL ORDER BY created_at, id
                """).all(decoding: EndpointRow.self, with: snakeCase).map(\.endpoint)
        }
    }

    public func webhookEndpoint(id: String) async throws -> WebhookEndpoint? {
        try await source.withConnection { db in
            try await db.raw("SELECT \(unsafeRaw: EndpointRow.columns) FROM webhook_endpoints WHERE id = \(bind: id) AND deleted_at IS NULL")
                .first(decoding: EndpointRow.self, with: snakeCase)?.endpoint
        }
    }

    public func rotateWebhookSecret(id: String, newSecret: String, previousValidUntil: Date) async throws {
        try await source.withWrite { db in
            try await db.raw("""
                UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_until = \(bind: previousValidUntil.epochMilliseconds),
                    secret = \(bind: newSecret)
                WHERE id = \(bind: id)
                """).run()
        }
    }

    public func webhookSecrets() async throws -> [StoredWebhookSecrets] {
        try await source.withConnection { db in
            try await db.raw("SELECT id, secret, previous_secret FROM webhook_endpoints ORDER BY id").all().map { row in
                StoredWebhookSecrets(
                    endpointID: try row.decode(column: "id", as: String.self), secret: try row.decode(column: "secret", as: String.self),
                    previousSecret: try row.decode(column: "previous_secret", as: String?.self))
            }
        }
    }

    public func replaceWebhookSecrets(_ old: StoredWebhookSecrets, with new: StoredWebhookSecrets) async throws -> Bool {
        try await source.withWrite { db in
            let previousMatches: SQLQueryString = old.previousSecret.map { "previous_secret = \(bind: $0)" } ?? "previous_secret IS NULL"
            return try await db.raw("""
                UPDATE webhook_endpoints SET secret = \(bind: new.secret), previous_secret = \(bind: new.previousSecret)
                WHERE id = \(bind: old.endpointID) AND secret = \(bind: old.secret) AND \(previousMatches)
                RETURNING 1 AS replaced
                """).first() != nil
        }
    }

    public func deleteWebhookEndpoint(id: String, at: Date) async throws {
        try await source.withWrite { db in
            try await db.raw("UPDATE webhook_endpoints SET deleted_at = \(bind: at.epochMilliseconds) WHERE id = \(bind: id)").run()
        }
    }
}

struct EndpointRow: Decodable {
    static let columns = columnList(
        ["id", "tenant_id", "url", "secret", "previous_secret", "previous_secret_until", "event_types", "created_at"], of: nil)
    var id: String
    var tenantId: String
    var url: String
    var secret: String
    var previousSecret: String?
    var previousSecretUntil: Int64?
    var eventTypes: String
    var createdAt: Int64

    var endpoint: WebhookEndpoint {
        WebhookEndpoint(
            id: id, tenantID: tenantId, url: url, secret: secret, previousSecret: previousSecret,
            previousSecretUntil: previousSecretUntil.map(Date.init(epochMilliseconds:)),
            eventTypes: eventTypes.split(separator: ",").compactMap { EventType(rawValue: String($0)) },
            createdAt: Date(epochMilliseconds: createdAt))
    }

    static func encode(_ types: [EventType]) -> String { types.map(\.rawValue).joined(separator: ",") }
}
