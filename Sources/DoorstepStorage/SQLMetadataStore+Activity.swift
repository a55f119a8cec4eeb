import DoorstepCore
import Foundation
import SQLKit

extension SQLMetadataStore {
    public func recordActivity(_ entry: ActivityEntry) async throws {
        try await source.withWrite { db in
            try await db.raw("""
                INSERT INTO activity_log (id, tenant_id, actor, actor_id, action, target_id, detail, at)
                VALUES (\(bind: entry.id), \(bind: entry.tenantID), \(bind: entry.actor.rawValue), \(bind: entry.actorID),
                        \(bind: entry.action.rawValue), \(bind: entry.targetID), \(bind: entry.detail), \(bind: entry.at.epochMilliseconds))
                """).run()
        }
    }

    public func activity(tenantID: String, before cursor: ActivityCursor?, limit: Int) async throws
        -> (entries: [ActivityEntry], next: ActivityCursor?) {
        // `at <=` first: a range the index bounds, so a deep page starts where it should.
        let after: SQLQueryString = cursor.map { cursor in
            let ms = cursor.milliseconds
            return "AND at <= \(bind: ms) AND (at < \(bind: ms) OR id < \(bind: cursor.id))"
        } ?? ""
        let newest: SQLQueryString = "ORDER BY at DESC, id DESC LIMIT \(bind: limit)"
        // Each part walks its own index backwards (by tenant and time; the access log's by tenant,
        // actor and time, one part per actor) and stops at a page; the union is cut to the page.
        let actions = Activity.fromAccessLog.map(\.rawValue)
        let accessParts = [AccessEvent.Actor.staff, .apiKey, .operatorCLI].map { actor -> SQLQueryString in
            """
            SELECT * FROM (SELECT id, actor, actor_id, '\(unsafeRaw: Activity.accessPrefix)' || action AS action, delivery_id AS target_id, NULL AS detail, at
                FROM access_events WHERE tenant_id = \(bind: tenantID) AND actor = \(bind: actor.rawValue)
                  AND action IN (\(binds: actions)) \(after) \(newest)) AS \(unsafeRaw: "by_" + actor.rawValue)
            """
        }
        let ownPart: SQLQueryString = """
            SELECT * FROM (SELECT id, actor, actor_id, action, target_id, detail, at FROM activity_log
                WHERE tenant_id = \(bind: tenantID) \(after) \(newest)) AS changes
            """
        return try await source.withConnection { db in
            let rows = try await db.raw("""
                SELECT id, actor, actor_id, action, target_id, detail, at FROM (\(([ownPart] + accessParts).joined(separator: " UNION ALL ")))
                AS entries \(newest)
                """).all()
            let entries = try rows.compactMap { row -> ActivityEntry? in
                // An action this version does not know (a newer server wrote it) is left out, not misnamed.
                guard let action = Activity(rawValue: try row.decode(column: "action", as: String.self)) else { return nil }
                return ActivityEntry(
                    id: try row.decode(column: "id", as: String.self), tenantID: tenantID,
                    actor: AccessEvent.Actor(rawValue: try row.decode(column: "actor", as: String.self)) ?? .system,
                    actorID: try row.decode(column: "actor_id", as: String?.self), action: action,
                    targetID: try row.decode(column: "target_id", as: String?.self), detail: try row.decode(column: "detail", as: String?.self),
                    at: Date(epochMilliseconds: try row.decode(column: "at", as: Int64.self)))
            }
            guard rows.count == limit, let last = rows.last else { return (entries, nil) }
            return (entries, ActivityCursor(
                milliseconds: try last.decode(column: "at", as: Int64.self), id: try last.decode(column: "id", as: String.self)))
        }
    }
}
