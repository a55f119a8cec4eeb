import DoorstepCore
import Foundation

/// The transactional outbox: events committed with their change, delivered at least once.
public protocol OutboxStore: Sendable {
    /// Leases due messages to the caller until `leaseUntil`; counts the attempt.
    func claimOutboxMessages(now: Date, leaseUntil: Date, limit: Int) async throws -> [OutboxMessage]
    func completeOutboxMessage(id: String, at: Date) async throws
    /// Schedules another try at `retryAt`, or with nil moves the message to the dead letters.
    func failOutboxMessage(id: String, error: String, retryAt: Date?) async throws
    func outboxMessages(state: OutboxMessage.State?, endpointID: String?, limit: Int) async throws -> [OutboxMessage]
    /// A dead message back to pending, due now; false if it is not dead.
    func replayOutboxMessage(id: String, at: Date) async throws -> Bool
}
