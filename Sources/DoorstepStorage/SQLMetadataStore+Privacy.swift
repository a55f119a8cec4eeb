import DoorstepCore
import Foundation
import SQLKit

extension SQLMetadataStore {

    public func recordAccess(_ event: AccessEvent) async throws {
        try await source.withWrite { db in try await Self.insertAccess(event, on: db) }
    }

    static func insertAccess(_ event: AccessEvent, on db: any SQLDatabase) async throws {
        try await db.raw("""
            INSERT INTO access_events (id, tenant_id, delivery_id, photo_id, actor, actor_id, action, at)
            VALUES (\(bind: event.id), \(bind: event.tenantID), \(bind: event.deliveryID), \(bind: event.photoID),
                    \(bind: event.actor.rawValue), \(bind: event.actorID), \(bind: event.action.rawValue), \(bind: event.at.epochMilliseconds))
            """).run()
    }

    public func accessEvents(deliveryID: String) async throws -> [AccessEvent] {
        try await source.withConnection { db in
            try await db.raw("SELECT \(unsafeRaw: AccessRow.columns) FROM access_events WHERE delivery_id = \(bind: deliveryID) ORDER BY at, id")
                .all(decoding: AccessRow.self, with: snakeCase).map(\.event)
        }
    }

    public func accessEvents(deliveryID: String, actions: [AccessEvent.Action], latest limit: Int) async throws -> [AccessEvent] {
        guard !actions.isEmpty else { return [] }
        return try await source.withConnection { db in
            try await db.raw("""
                SELECT \(unsafeRaw: AccessRow.columns) FROM access_events
                WHERE delivery_id = \(bind: deliveryID) AND action IN (\(binds: actions.map(\.rawValue)))
                ORDER BY at DESC, id DESC LIMIT \(bind: limit)
                """).all(decoding: AccessRow.self, with: snakeCase).map(\.event).reversed()
        }
    }

    public func accessEvents(tenantID: String?, limit: Int) async throws -> [AccessEvent] {
        try await source.withConnection { db in
            let rows: [AccessRow]
            if let tenantID {
                rows = try await db.raw("""
                    SELECT \(unsafeRaw: AccessRow.columns) FROM access_events WHERE tenant_id = \(bind: tenantID)
                    ORDER BY at DESC, id DESC LIMIT \(bind: limit)
                    """).all(decoding: AccessRow.self, with: snakeCase)
            } else {
                rows = try await db.raw("SELECT \(unsafeRaw: AccessRow.columns) FROM access_events ORDER BY at DESC, id DESC LIMIT \(bind: limit)")
                    .all(decoding: AccessRow.self, with: snakeCase)
            }
            return rows.map(\.event)
        }
    }

    public func setRecipientChoices(_ changes: [RecipientChoiceChange], tenantID: String, at: Date, events: [OutboxEvent]) async throws {
        try await source.withTransaction { db in
            for change in changes {
                try await Self.setRecipientChoice(change, tenantID: tenantID, at: at, on: db)
            }
            try await Self.enqueue(events, on: db)
        }
    }

    private static func setRecipientChoice(_ change: RecipientChoiceChange, tenantID: String, at: Date, on db: any SQLDatabase) async throws {
        let (scope, subject) = (change.scope.rawValue, change.subject)
        if let choice = change.choice {
            try await db.raw("""
                INSERT INTO recipient_choices (tenant_id, scope, subject, choice, updated_at, set_by)
                VALUES (\(bind: tenantID), \(bind: scope), \(bind: subject), \(bind: choice.rawValue), \(bind: at.epochMilliseconds),
                        \(bind: change.by.first))
                ON CONFLICT (tenant_id, scope, subject) DO UPDATE SET choice = excluded.choice, updated_at = excluded.updated_at,
                    set_by = excluded.set_by
                """).run()
        } else {
            // Clearing on someone's behalf removes only what they set.
            let theirs: SQLQueryString = change.by.isEmpty ? "" : " AND set_by IN (\(binds: change.by))"
            try await db.raw("""
                DELETE FROM recipient_choices
                WHERE tenant_id = \(bind: tenantID) AND scope = \(bind: scope) AND subject = \(bind: subject)\(theirs)
                """).run()
        }
    }

    public func recipientChoices(tenantID: String, anyOf subjects: [ChoiceScope: Set<String>]) async throws -> [RecipientSubject: RecipientChoice] {
        let digests = Set(subjects.values.joined())
        guard !digests.isEmpty else { return [:] }
        return try await source.withConnection { db in
            let rows = try await db.raw("""
                SELECT scope, subject, choice FROM recipient_choices
                WHERE tenant_id = \(bind: tenantID) AND subject IN (\(binds: digests.sorted()))
                """).all(decoding: ChoiceRow.self)
            var choices: [RecipientSubject: RecipientChoice] = [:]
            for row in rows {
                // Digests are keyed per scope; the scope is checked all the same.
                guard let scope = ChoiceScope(rawValue: row.scope), subjects[scope]?.contains(row.subject) == true,
                      let choice = RecipientChoice(rawValue: row.choice) else { continue }
                choices[RecipientSubject(scope, row.subject)] = choice
            }
            return choices
        }
    }

    public func deliveries(tenantID: String, contact: RecipientContact) async throws -> [Delivery] {
        // A contact without email binds NULL, which equals nothing: never the "" of erased rows.
        try await source.withConnection { db in
            try await db.raw("""
                SELECT \(unsafeRaw: DeliveryRow.columns) FROM deliveries
                WHERE tenant_id = \(bind: tenantID) AND (recipient_email = \(bind: contact.email) OR recipient_phone = \(bind: contact.phone))
                ORDER BY created_at, id
                """).all(decoding: DeliveryRow.self, with: snakeCase).map { try $0.delivery() }
        }
    }

    public func eraseRecipientData(deliveryID: String, at: Date) async throws {
        try await source.withTransaction { db in
            // The delivery keeps its ids, times and state (the tenant's business record); every
            // field that says who or where goes.
            try await db.raw("""
                UPDATE deliveries SET recipient_name = '', recipient_email = '', recipient_phone = NULL, address = '', latitude = 0, longitude = 0,
                    instructions = '', note = NULL, drop_details = CASE WHEN drop_kind IS NULL THEN NULL ELSE '' END, handover_code = NULL,
                    erased_at = \(bind: at.epochMilliseconds)
                WHERE id = \(bind: deliveryID)
                """).run()
            try await db.raw("""
                UPDATE photos SET note = NULL, image_latitude = NULL, image_longitude = NULL,
                    device_latitude = NULL, device_longitude = NULL
                WHERE delivery_id = \(bind: deliveryID)
                """).run()
            try await db.raw("UPDATE problem_reports SET details = '' WHERE delivery_id = \(bind: deliveryID)").run()
            // Staff's notes on the customer's cases may name them: they go too.
            try await db.raw("""
                DELETE FROM case_notes WHERE case_id IN (SELECT id FROM problem_reports WHERE delivery_id = \(bind: deliveryID))
                """).run()
            try await db.raw("UPDATE delivery_attempts SET note = NULL WHERE delivery_id = \(bind: deliveryID)").run()
        }
    }
}

struct AccessRow: Decodable {
    static let columns = columnList(["id", "tenant_id", "delivery_id", "photo_id", "actor", "actor_id", "action", "at"], of: nil)
    var id: String
    var tenantId: String
    var deliveryId: String?
    var photoId: String?
    var actor: String
    var actorId: String?
    var action: String
    var at: Int64

    var event: AccessEvent {
        AccessEvent(
            id: id, tenantID: tenantId, deliveryID: deliveryId, photoID: photoId, actor: AccessEvent.Actor(rawValue: actor) ?? .system,
            actorID: actorId, action: AccessEvent.Action(rawValue: action) ?? .viewPage, at: Date(epochMilliseconds: at))
    }
}

private struct ChoiceRow: Decodable {
    var scope: String
    var subject: String
    var choice: String
}
