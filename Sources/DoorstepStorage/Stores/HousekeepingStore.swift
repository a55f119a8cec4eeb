import Foundation

/// Records that only matter for a while: courier sessions past their expiry, capture tickets long
/// past any upload they could vouch for, idempotency records long past any retry. Deleting them
/// keeps the tables (and what a stolen database holds) from growing without end.
public protocol HousekeepingStore: Sendable {
    func purgeExpiredRecords(_ cutoffs: PurgeCutoffs) async throws -> PurgeCounts
}

/// What is old enough to go: each record kind before its own time.
public struct PurgeCutoffs: Sendable {
    public var sessionsExpiredBy: Date
    public var ticketsIssuedBefore: Date
    public var idempotencyKeysBefore: Date

    public init(sessionsExpiredBy: Date, ticketsIssuedBefore: Date, idempotencyKeysBefore: Date) {
        self.sessionsExpiredBy = sessionsExpiredBy
        self.ticketsIssuedBefore = ticketsIssuedBefore
        self.idempotencyKeysBefore = idempotencyKeysBefore
    }
}

public struct PurgeCounts: Sendable, Equatable {
    public var sessions = 0
    public var tickets = 0
    public var idempotencyKeys = 0

    public init(sessions: Int = 0, tickets: Int = 0, idempotencyKeys: Int = 0) {
        (self.sessions, self.tickets, self.idempotencyKeys) = (sessions, tickets, idempotencyKeys)
    }

    public var total: Int { sessions + tickets + idempotencyKeys }
}
