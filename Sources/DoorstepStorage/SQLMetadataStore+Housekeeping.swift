import Foundation
import SQLKit

extension SQLMetadataStore {
    /// One statement per table, each its own short transaction: a purge never holds the writer
    /// long, and running it in several processes at once only deletes each row once.
    public func purgeExpiredRecords(_ cutoffs: PurgeCutoffs) async throws -> PurgeCounts {
        func purge(_ statement: SQLQueryString) async throws -> Int {
            try await source.withConnection { db in try await db.raw(statement).all().count }
        }
        return PurgeCounts(
            sessions: try await purge("""
                DELETE FROM courier_sessions WHERE expires_at <= \(bind: cutoffs.sessionsExpiredBy.epochMilliseconds) RETURNING 1 AS gone
                """),
            tickets: try await purge("""
                DELETE FROM capture_tickets WHERE issued_at < \(bind: cutoffs.ticketsIssuedBefore.epochMilliseconds) RETURNING 1 AS gone
                """),
            idempotencyKeys: try await purge("""
                DELETE FROM idempotency_keys WHERE created_at < \(bind: cutoffs.idempotencyKeysBefore.epochMilliseconds) RETURNING 1 AS gone
                """))
    }
}
