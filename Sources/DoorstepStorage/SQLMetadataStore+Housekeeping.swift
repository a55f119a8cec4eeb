import Foundation
import SQLKit

extension SQLMetadataStore {
    /// Deletes in batches of a thousand rows, each its own short statement: the first purge after
    /// an upgrade may find a large backlog, and one statement over all of it would hold SQLite's
    /// writer (and every upload behind it) for as long as it ran. Safe in several processes at once.
    public func purgeExpiredRecords(_ cutoffs: PurgeCutoffs) async throws -> PurgeCounts {
        PurgeCounts(
            sessions: try await purge("courier_sessions", where: "expires_at <= \(bind: cutoffs.sessionsExpiredBy.epochMilliseconds)")
                // An operator session ends when it goes idle (idle_until is never after its expiry).
                + purge("operator_sessions", where: "idle_until <= \(bind: cutoffs.sessionsExpiredBy.epochMilliseconds)"),
            tickets: try await purge("capture_tickets", where: "issued_at < \(bind: cutoffs.ticketsIssuedBefore.epochMilliseconds)"),
            idempotencyKeys: try await purge("idempotency_keys", where: "created_at < \(bind: cutoffs.idempotencyKeysBefore.epochMilliseconds)")
                + purge("delivery_requests", where: "created_at < \(bind: cutoffs.idempotencyKeysBefore.epochMilliseconds)"))
    }

    private func purge(_ table: String, where condition: SQLQueryString, batch: Int = 1000) async throws -> Int {
        // Each engine's own row address: SQLite's rowid, PostgreSQL's ctid.
        let row = source.engine == .postgres ? "ctid" : "rowid"
        var total = 0
        while true {
            let deleted = try await source.withWrite { db in
                try await db.raw("""
                    DELETE FROM \(unsafeRaw: table) WHERE \(unsafeRaw: row) IN (
                        SELECT \(unsafeRaw: row) FROM \(unsafeRaw: table) WHERE \(condition) LIMIT \(unsafeRaw: String(batch)))
                    RETURNING 1 AS gone
                    """).all().count
            }
            total += deleted
            if deleted < batch { return total }
        }
    }
}
