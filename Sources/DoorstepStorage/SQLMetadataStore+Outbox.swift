import DoorstepCore
import Foundation
import SQLKit

extension SQLMetadataStore {
    /// Writes events and fans them out to their destinations (the recipient's email, each
    /// subscribed webhook endpoint) on `db`, inside the caller's transaction.
    static func enqueue(_ events: [OutboxEvent], on db: any SQLDatabase) async throws {
        for event in events {
            try await db.raw("""
                INSERT INTO outbox_events (id, tenant_id, type, delivery_id, photo_id, occurred_at)
                VALUES (\(bind: event.id), \(bind: event.tenantID), \(bind: event.type.rawValue), \(bind: event.deliveryID),
                        \(bind: event.photoID), \(bind: event.occurredAt.epochMilliseconds))
                """).run()
            var destinations: [(OutboxMessage.Channel, String?)] = event.type.emailsRecipient ? [(.email, nil)] : []
            let endpoints = try await db.raw("""
                SELECT \(unsafeRaw: EndpointRow.columns) FROM webhook_endpoints
                WHERE tenant_id = \(bind: event.tenantID) AND deleted_at IS NULL
                """).all(decoding: EndpointRow.self, with: snakeCase).map(\.endpoint)
            destinations += endpoints.filter { $0.wants(event.type) }.map { (.webhook, $0.id) }
            for (channel, endpointID) in destinations {
                try await db.raw("""
                    INSERT INTO outbox_messages (id, event_id, channel, endpoint_id, state, attempts, next_attempt_at, created_at)
                    VALUES (\(bind: Identifier.random()), \(bind: event.id), \(bind: channel.rawValue), \(bind: endpointID),
                            'pending', 0, \(bind: event.occurredAt.epochMilliseconds), \(bind: event.occurredAt.epochMilliseconds))
                    """).run()
            }
        }
    }

    public func enqueue(_ events: [OutboxEvent]) async throws {
        try await source.withTransaction { db in try await Self.enqueue(events, on: db) }
    }

    public func markOutForDelivery(deliveryID: String, events: [OutboxEvent]) async throws -> Bool {
        try await source.withTransaction { db in
            let changed = try await db.raw("""
                UPDATE deliveries SET state = \(bind: DeliveryState.outForDelivery.rawValue)
                WHERE id = \(bind: deliveryID) AND state = \(bind: DeliveryState.created.rawValue) RETURNING id
                """).first() != nil
            if changed { try await Self.enqueue(events, on: db) }
            return changed
        }
    }

    public func markDeliveredWithoutPhoto(
        deliveryID: String, placement: Placement, note: String?, at: Date, events: [OutboxEvent]
    ) async throws -> Bool {
        try await source.withTransaction { db in
            let changed = try await db.raw("""
                UPDATE deliveries SET state = \(bind: DeliveryState.delivered.rawValue), placement = \(bind: placement.rawValue),
                    note = \(bind: note), delivered_at = \(bind: at.epochMilliseconds)
                WHERE id = \(bind: deliveryID) AND state <> \(bind: DeliveryState.delivered.rawValue) RETURNING id
                """).first() != nil
            if changed { try await Self.enqueue(events, on: db) }
            return changed
        }
    }

    public func claimOutboxMessages(now: Date, leaseUntil: Date, limit: Int) async throws -> [OutboxMessage] {
        try await source.withTransaction { db in
            let skipLocked = source.engine == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
            // Claim by lease: a worker that dies mid-send leaves its claim to expire, and the
            // message is sent again (at least once; the stable id lets receivers drop the repeat).
            let ids = try await db.raw("""
                UPDATE outbox_messages SET claimed_until = \(bind: leaseUntil.epochMilliseconds), attempts = attempts + 1
                WHERE id IN (
                    SELECT id FROM outbox_messages
                    WHERE state = 'pending' AND next_attempt_at <= \(bind: now.epochMilliseconds)
                      AND (claimed_until IS NULL OR claimed_until <= \(bind: now.epochMilliseconds))
                    ORDER BY next_attempt_at LIMIT \(bind: limit)\(unsafeRaw: skipLocked))
                RETURNING id
                """).all().map { try $0.decode(column: "id", as: String.self) }
            guard !ids.isEmpty else { return [] }
            return try await Self.messages(where: "m.id IN (\(SQLList(ids.map { SQLBind($0) })))", on: db)
        }
    }

    public func completeOutboxMessage(id: String, at: Date) async throws {
        try await source.withConnection { db in
            try await db.raw("""
                UPDATE outbox_messages SET state = 'done', sent_at = \(bind: at.epochMilliseconds), claimed_until = NULL, last_error = NULL
                WHERE id = \(bind: id)
                """).run()
        }
    }

    public func failOutboxMessage(id: String, error: String, retryAt: Date?) async throws {
        try await source.withConnection { db in
            if let retryAt {
                try await db.raw("""
                    UPDATE outbox_messages SET next_attempt_at = \(bind: retryAt.epochMilliseconds), claimed_until = NULL,
                        last_error = \(bind: error)
                    WHERE id = \(bind: id)
                    """).run()
            } else {
                try await db.raw("""
                    UPDATE outbox_messages SET state = 'dead', claimed_until = NULL, last_error = \(bind: error) WHERE id = \(bind: id)
                    """).run()
            }
        }
    }

    public func outboxMessages(state: OutboxMessage.State?, endpointID: String?, limit: Int) async throws -> [OutboxMessage] {
        try await source.withConnection { db in
            var condition: SQLQueryString = "1 = 1"
            if let state { condition = "\(condition) AND m.state = \(bind: state.rawValue)" }
            if let endpointID { condition = "\(condition) AND m.endpoint_id = \(bind: endpointID)" }
            return try await Self.messages(where: condition, on: db, order: "m.created_at DESC, m.id DESC", limit: limit)
        }
    }

    public func replayOutboxMessage(id: String, at: Date) async throws -> Bool {
        try await source.withConnection { db in
            try await db.raw("""
                UPDATE outbox_messages SET state = 'pending', attempts = 0, next_attempt_at = \(bind: at.epochMilliseconds),
                    claimed_until = NULL
                WHERE id = \(bind: id) AND state = 'dead' RETURNING id
                """).first() != nil
        }
    }

    /// Reads messages with their events. `order` is one of this file's constants.
    private static func messages(
        where condition: SQLQueryString, on db: any SQLDatabase, order: String = "m.next_attempt_at, m.id", limit: Int = 1000
    ) async throws -> [OutboxMessage] {
        try await db.raw("""
            SELECT m.id, m.channel, m.endpoint_id, m.state, m.attempts, m.next_attempt_at, m.last_error, m.sent_at,
                   e.id AS event_id, e.tenant_id, e.type, e.delivery_id, e.photo_id, e.occurred_at
            FROM outbox_messages m JOIN outbox_events e ON e.id = m.event_id
            WHERE \(condition) ORDER BY \(unsafeRaw: order) LIMIT \(bind: limit)
            """).all(decoding: MessageRow.self, with: snakeCase).map(\.message)
    }

    // MARK: Webhook endpoints

    public func createWebhookEndpoint(_ endpoint: WebhookEndpoint) async throws {
        try await source.withConnection { db in
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
        try await source.withConnection { db in
            try await db.raw("""
                UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_until = \(bind: previousValidUntil.epochMilliseconds),
                    secret = \(bind: newSecret)
                WHERE id = \(bind: id)
                """).run()
        }
    }

    public func deleteWebhookEndpoint(id: String, at: Date) async throws {
        try await source.withConnection { db in
            try await db.raw("UPDATE webhook_endpoints SET deleted_at = \(bind: at.epochMilliseconds) WHERE id = \(bind: id)").run()
        }
    }
}

extension SQLMetadataStore {
    public func addProblemReport(_ report: ProblemReport, events: [OutboxEvent]) async throws {
        try await source.withTransaction { db in
            try await db.raw("""
                INSERT INTO problem_reports (id, tenant_id, delivery_id, kind, details, created_at)
                VALUES (\(bind: report.id), \(bind: report.tenantID), \(bind: report.deliveryID), \(bind: report.kind.rawValue),
                        \(bind: report.details), \(bind: report.createdAt.epochMilliseconds))
                """).run()
            try await Self.enqueue(events, on: db)
        }
    }

    public func problemReports(deliveryID: String) async throws -> [ProblemReport] {
        try await source.withConnection { db in
            try await db.raw("""
                SELECT \(unsafeRaw: ProblemRow.columns) FROM problem_reports
                WHERE delivery_id = \(bind: deliveryID) ORDER BY created_at, id
                """).all(decoding: ProblemRow.self, with: snakeCase).map(\.report)
        }
    }

    public func problemReports(tenantID: String, openOnly: Bool, limit: Int) async throws -> [ProblemReport] {
        try await source.withConnection { db in
            try await db.raw("""
                SELECT \(unsafeRaw: ProblemRow.columns) FROM problem_reports
                WHERE tenant_id = \(bind: tenantID)\(unsafeRaw: openOnly ? " AND resolved_at IS NULL" : "")
                ORDER BY created_at DESC, id DESC LIMIT \(bind: limit)
                """).all(decoding: ProblemRow.self, with: snakeCase).map(\.report)
        }
    }

    public func problemReport(id: String, tenantID: String) async throws -> ProblemReport? {
        try await source.withConnection { db in
            try await db.raw("""
                SELECT \(unsafeRaw: ProblemRow.columns) FROM problem_reports WHERE id = \(bind: id) AND tenant_id = \(bind: tenantID)
                """).first(decoding: ProblemRow.self, with: snakeCase)?.report
        }
    }

    public func resolveProblemReport(id: String, resolution: String, at: Date, events: [OutboxEvent]) async throws -> Bool {
        try await source.withTransaction { db in
            let changed = try await db.raw("""
                UPDATE problem_reports SET resolution = \(bind: resolution), resolved_at = \(bind: at.epochMilliseconds)
                WHERE id = \(bind: id) AND resolved_at IS NULL RETURNING id
                """).first() != nil
            if changed { try await Self.enqueue(events, on: db) }
            return changed
        }
    }
}

struct ProblemRow: Decodable {
    static let columns = columnList(["id", "tenant_id", "delivery_id", "kind", "details", "created_at", "resolution", "resolved_at"], of: nil)
    var id: String
    var tenantId: String
    var deliveryId: String
    var kind: String
    var details: String
    var createdAt: Int64
    var resolution: String?
    var resolvedAt: Int64?

    var report: ProblemReport {
        ProblemReport(id: id, tenantID: tenantId, deliveryID: deliveryId, kind: ProblemReport.Kind(rawValue: kind) ?? .other,
                      details: details, createdAt: Date(epochMilliseconds: createdAt), resolution: resolution,
                      resolvedAt: resolvedAt.map(Date.init(epochMilliseconds:)))
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

struct MessageRow: Decodable {
    var id: String
    var channel: String
    var endpointId: String?
    var state: String
    var attempts: Int
    var nextAttemptAt: Int64
    var lastError: String?
    var sentAt: Int64?
    var eventId: String
    var tenantId: String
    var type: String
    var deliveryId: String?
    var photoId: String?
    var occurredAt: Int64

    var message: OutboxMessage {
        OutboxMessage(
            id: id,
            event: OutboxEvent(id: eventId, tenantID: tenantId, type: EventType(rawValue: type) ?? .delivered, deliveryID: deliveryId,
                               photoID: photoId, occurredAt: Date(epochMilliseconds: occurredAt)),
            channel: OutboxMessage.Channel(rawValue: channel) ?? .webhook, endpointID: endpointId,
            state: OutboxMessage.State(rawValue: state) ?? .pending, attempts: attempts,
            nextAttemptAt: Date(epochMilliseconds: nextAttemptAt), lastError: lastError, sentAt: sentAt.map(Date.init(epochMilliseconds:)))
    }
}
