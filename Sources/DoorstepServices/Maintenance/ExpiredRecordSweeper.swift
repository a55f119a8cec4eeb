import DoorstepCore
import DoorstepStorage
import Foundation
import Logging
import ServiceLifecycle

/// Deletes records whose use is over: courier sessions past their expiry; capture tickets two days
/// after issue (a queued photo is judged against its ticket for at most a day, `FreshnessRule.queueLimit`);
/// idempotency records after a week (a phone retries a queued photo for a day at most). Safe in
/// several processes at once.
public struct ExpiredRecordSweeper: Service {
    static let ticketLifetime: TimeInterval = 2 * 24 * 3600
    static let idempotencyLifetime: TimeInterval = 7 * 24 * 3600

    let store: any HousekeepingStore
    let interval: TimeInterval
    let effects: Effects
    let logger: Logger

    public init(store: any HousekeepingStore, interval: TimeInterval, effects: Effects, logger: Logger) {
        self.store = store
        self.interval = interval
        self.effects = effects
        self.logger = logger
    }

    public func run() async throws {
        await Periodic.run(every: interval, logger: logger, failure: "expired record sweep failed") {
            let purged = try await sweepOnce()
            if purged.total > 0 {
                logger.info("expired records purged", metadata: [
                    "sessions": "\(purged.sessions)", "tickets": "\(purged.tickets)", "idempotency_keys": "\(purged.idempotencyKeys)",
                ])
            }
        }
    }

    @discardableResult
    public func sweepOnce() async throws -> PurgeCounts {
        let now = effects.now()
        return try await store.purgeExpiredRecords(PurgeCutoffs(
            sessionsExpiredBy: now, ticketsIssuedBefore: now.addingTimeInterval(-Self.ticketLifetime),
            idempotencyKeysBefore: now.addingTimeInterval(-Self.idempotencyLifetime)))
    }
}
