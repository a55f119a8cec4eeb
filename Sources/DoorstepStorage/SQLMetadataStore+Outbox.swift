import DoorstepCore
import Foundation
import SQLKit

extension SQLMetadataStore {
    /// Writes events and fans them out to their destinations (the recipient's email and number,
    /// each subscribed webhook endpoint) on `db`, inside the caller's transaction.
    static func enqueue(_ events: [OutboxEvent], on db: any SQLDatabase) async throws {
        for event in events {
            try await db.raw("""
                INSERT INTO outbox_events (id, tenant_id, type, delivery_id, photo_id, occurred_at)
                VALUES (\(bind: event.id), \(bind: event.tenantID), \(bind: event.type.rawValue), \(bind: event.deliveryID),
                        \(bind: event.photoID), \(bind: event.occurredAt.epochMilliseconds))
                """).run()
            var destinations: [(OutboxMessage.Channel, String?)] = []
            // The recipient by each way they can be reached: an email, a number, or both.
            if event.type.emailsRecipient, let deliveryID = event.deliveryID,
               let contact = try await db.raw("SELECT recipient_email, recipient_phone FROM deliveries WHERE id = \(bind: deliveryID)").first() {
                if try contact.decode(column: "recipient_email", as: String.self) != "" { destinations.append((.email, nil)) }
                if try !contact.decodeNil(column: "recipient_phone") { destinations.append((.sms, nil)) }
            }
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

    /// For tests: events with no change of their own.
    func enqueue(_ events: [OutboxEvent]) async throws {
        try await source.withTransaction { db in try await Self.enqueue(events, on: db) }
    }

    public func claimOutboxMessages(now: Date, leaseUntil: Date, limit: Int, skippingWebhooksOf tenants: Set<String>) async throws -> [OutboxMessage] {
        try await source.withTransaction { db in
            let skipLocked = source.engine == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
            // A primary-key probe per candidate, and only while some tenant is at its cap.
            let skipped: SQLQueryString = tenants.isEmpty ? "" : """
                 AND NOT (m.channel = 'webhook' AND EXISTS (SELECT 1 FROM outbox_events e
                    WHERE e.id = m.event_id AND e.tenant_id IN (\(SQLList(tenants.sorted().map { SQLBind($0) })))))
                """
            // Claim by lease: a worker that dies mid-send leaves its claim to expire, and the
            // message is sent again (at least once; the stable id lets receivers drop the repeat).
            let ids = try await db.raw("""
                UPDATE outbox_messages SET claimed_until = \(bind: leaseUntil.epochMilliseconds), attempts = attempts + 1
                WHERE id IN (
                    SELECT m.id FROM outbox_messages m
                    WHERE m.state = 'pending' AND m.next_attempt_at <= \(bind: now.epochMilliseconds)
                      AND (m.claimed_until IS NULL OR m.claimed_until <= \(bind: now.epochMilliseconds))\(skipped)
                    ORDER BY m.next_attempt_at LIMIT \(bind: limit)\(unsafeRaw: skipLocked))
                RETURNING id
                """).all().map { try $0.decode(column: "id", as: String.self) }
            guard !ids.isEmpty else { return [] }
            return try await Self.messages(where: "m.id IN (\(SQLList(ids.map { SQLBind($0) })))", on: db)
        }
    }

    public func releaseOutboxMessage(id: String) async throws {
        try await source.withWrite { db in
            try await db.raw("""
                UPDATE outbox_messages SET claimed_until = NULL, attempts = attempts - 1 WHERE id = \(bind: id) AND state = 'pending'
                """).run()
        }
    }

    // Complete and fail change a message only while it is pending: a worker whose claim ran out
    // while another sent the message must not overwrite that outcome (the dashboard may have kept it).
    public func completeOutboxMessage(id: String, at: Date) async throws {
        try await source.withWrite { db in
            try await db.raw("""
                UPDATE outbox_messages SET state = 'done', sent_at = \(bind: at.epochMilliseconds), claimed_until = NULL, last_error = NULL
                WHERE id = \(bind: id) AND state = 'pending'
                """).run()
        }
    }

    public func failOutboxMessage(id: String, error: String, retryAt: Date?) async throws {
        try await source.withWrite { db in
            if let retryAt {
                try await db.raw("""
                    UPDATE outbox_messages SET next_attempt_at = \(bind: retryAt.epochMilliseconds), claimed_until = NULL,
                        last_error = \(bind: error)
                    WHERE id = \(bind: id) AND state = 'pending'
                    """).run()
            } else {
                try await db.raw("""
                    UPDATE outbox_messages SET state = 'dead', claimed_until = NULL, last_error = \(bind: error)
                    WHERE id = \(bind: id) AND state = 'pending'
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

    public func outboxMessages(deliveryID: String, limit: Int) async throws -> [OutboxMessage] {
        try await source.withConnection { db in
            // The newest `limit`, handed back oldest first.
            Array(try await Self.messages(
                where: "e.delivery_id = \(bind: deliveryID)", on: db, order: "e.occurred_at DESC, m.created_at DESC, m.id DESC", limit: limit
            ).reversed())
        }
    }

    public func outboxMessage(id: String) async throws -> OutboxMessage? {
        try await source.withConnection { db in
            try await Self.messages(where: "m.id = \(bind: id)", on: db, limit: 1).first
        }
    }

    public func replayOutboxMessage(id: String, endpointID: String?, at: Date) async throws -> Bool {
        let engine = source.engine
        return try await source.withTransaction { db in
            var condition: SQLQueryString = "id = \(bind: id) AND state = 'dead'"
            if let endpointID { condition = "\(condition) AND endpoint_id = \(bind: endpointID)" }
            guard try await db.raw("""
                UPDATE outbox_messages SET state = 'pending', attempts = 0, next_attempt_at = \(bind: at.epochMilliseconds),
                    claimed_until = NULL
                WHERE \(condition) RETURNING id
                """).first() != nil else { return false }
            // The dashboard kept that day's figures with this message as failed: counted again.
            try await Self.forgetKeptDay(ofMessage: id, engine: engine, on: db)
            return true
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
