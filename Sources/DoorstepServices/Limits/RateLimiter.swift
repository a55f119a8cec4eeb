import Foundation
import Synchronization

/// How often one key (a courier, a link, a client address) may do one thing: a burst of `count`,
/// then `count` per `period` on average. Counted with the generic cell rate algorithm (one
/// timestamp per key, the "theoretical arrival time"), which is a token bucket without a timer:
/// every request moves the key's time forward by `period / count`, and a request is refused
/// while that time is more than a burst ahead of now.
public struct RatePolicy: Sendable, Equatable {
    public var count: Int
    public var period: TimeInterval

    public init(count: Int, per period: TimeInterval) {
        self.count = count
        self.period = period
    }

    var interval: TimeInterval { period / Double(count) }
    var tolerance: TimeInterval { interval * Double(count - 1) }
}

/// One limit, for any number of keys. Memory is bounded: at most `capacity` keys are tracked;
/// keys whose time has passed hold nothing (a fresh key is the same), so they go first, then the
/// ones closest to it. Dropping a key can only forgive it, never refuse someone else.
public final class RateLimiter: Sendable {
    public let policy: RatePolicy
    private let capacity: Int
    private let arrivals = Mutex<[String: Date]>([:])

    public init(_ policy: RatePolicy, capacity: Int = 50_000) {
        self.policy = policy
        self.capacity = capacity
    }

    /// Counts one request for `key`; nil when it may go ahead, else the whole seconds to wait.
    public func take(_ key: String, now: Date) -> Int? {
        arrivals.withLock { arrivals in
            let due = max(arrivals[key] ?? now, now)
            if let wait = Self.wait(due: due, now: now, policy: policy) { return wait }
            arrivals[key] = due.addingTimeInterval(policy.interval)
            if arrivals.count > capacity { Self.evict(&arrivals, now: now, keep: capacity * 9 / 10) }
            return nil
        }
    }

    /// What `take` would answer, counting nothing.
    public func wait(_ key: String, now: Date) -> Int? {
        arrivals.withLock { Self.wait(due: max($0[key] ?? now, now), now: now, policy: policy) }
    }

    /// Whole seconds until a request due at `due` may go, nil if it may now.
    private static func wait(due: Date, now: Date, policy: RatePolicy) -> Int? {
        let early = due.timeIntervalSince(now) - policy.tolerance
        return early > 0 ? max(1, Int(early.rounded(.up))) : nil
    }

    /// How many keys are tracked now.
    var tracked: Int { arrivals.withLock { $0.count } }

    private static func evict(_ arrivals: inout [String: Date], now: Date, keep: Int) {
        arrivals = arrivals.filter { $0.value > now }
        if arrivals.count > keep {
            for (key, _) in arrivals.sorted(by: { $0.value < $1.value }).prefix(arrivals.count - keep) {
                arrivals.removeValue(forKey: key)
            }
        }
    }
}
