import DoorstepCore
import Foundation

/// The transactional outbox: events committed with their change, delivered at least once.
public protocol OutboxStore: Sendable {
    /// Leases due messages to the caller until `leaseUntil`; counts the attempt. Webhook messages
    /// of the tenants in `skippingWebhooksOf` are left for later (those tenants already have as
    /// many sends in flight as they may).
    func claimOutboxMessages(now: Date, leaseUntil: Date, limit: Int, skippingWebhooksOf tenants: Set<String>) async throws -> [OutboxMessage]
    /// Gives a claimed message back unsent, as if it had not been claimed (its attempt uncounted).
    func releaseOutboxMessage(id: String) async throws
    func completeOutboxMessage(id: String, at: Date) async throws
    /// Schedules another try at `retryAt`, or with nil moves the message to the dead letters.
    func failOutboxMessage(id: String, error: String, retryAt: Date?) async throws
    func outboxMessages(state: OutboxMessage.State?, endpointID: String?, limit: Int) async throws -> [OutboxMessage]
    /// What one delivery's events sent or are sending (emails, text messages, webhooks): the
    /// newest `limit`, oldest first.
    func outboxMessages(deliveryID: String, limit: Int) async throws -> [OutboxMessage]
    /// One message by its id, in whatever state.
    func outboxMessage(id: String) async throws -> OutboxMessage?
    /// A dead message back to pending, due now; false if it is not dead.
    func replayOutboxMessage(id: String, endpointID: String?, at: Date) async throws -> Bool
}

extension OutboxStore {
    public func claimOutboxMessages(now: Date, leaseUntil: Date, limit: Int) async throws -> [OutboxMessage] {
        try await claimOutboxMessages(now: now, leaseUntil: leaseUntil, limit: limit, skippingWebhooksOf: [])
    }
}
