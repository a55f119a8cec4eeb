import DoorstepCore
import Foundation
import Synchronization

/// Guessing a courier's password: after `maxFailures` wrong ones for a username within `window`,
/// that username is locked for `lockout`, before any password is checked (so a locked account
/// costs no bcrypt either). A right password clears the count. Memory is bounded: at most
/// `capacity` usernames are tracked, the stalest dropped first, so a flood of invented names
/// cannot grow it. Kept per process: behind a load balancer each server counts on its own,
/// which multiplies the attempts an attacker gets by the number of servers, no more.
public final class LoginThrottle: Sendable {
    public struct Policy: Sendable {
        public var maxFailures = 5
        public var window: TimeInterval = 15 * 60
        public var lockout: TimeInterval = 15 * 60
        public var capacity = 10_000

        public init() {}
    }

    private struct Entry {
        var failures: [Date] = []
        var lockedUntil: Date?
        var lastSeen: Date
    }

    private let policy: Policy
    private let entries = Mutex<[String: Entry]>([:])

    public init(policy: Policy = Policy()) {
        self.policy = policy
    }

    /// Throws `tooManyAttempts` while `username` is locked.
    public func check(_ username: String, now: Date) throws(DoorstepError) {
        let lockedUntil = entries.withLock { $0[username]?.lockedUntil }
        if let lockedUntil, lockedUntil > now {
            throw .tooManyAttempts(retryAfter: Int(lockedUntil.timeIntervalSince(now).rounded(.up)))
        }
    }

    public func failed(_ username: String, now: Date) {
        entries.withLock { entries in
            var entry = entries[username] ?? Entry(lastSeen: now)
            entry.failures = entry.failures.filter { now.timeIntervalSince($0) < policy.window } + [now]
            entry.lastSeen = now
            if entry.failures.count >= policy.maxFailures {
                entry.lockedUntil = now.addingTimeInterval(policy.lockout)
                entry.failures = []
            }
            entries[username] = entry
            if entries.count > policy.capacity { Self.evict(&entries, now: now, policy: policy) }
        }
    }

    /// How many usernames are tracked now.
    var tracked: Int { entries.withLock { $0.count } }

    public func succeeded(_ username: String) {
        _ = entries.withLock { $0.removeValue(forKey: username) }
    }

    /// Drops what no longer matters (no recent failure, no lock), then the stalest, down to 90 %.
    private static func evict(_ entries: inout [String: Entry], now: Date, policy: Policy) {
        entries = entries.filter { _, entry in
            (entry.lockedUntil.map { $0 > now } ?? false) || entry.failures.contains { now.timeIntervalSince($0) < policy.window }
        }
        let target = policy.capacity * 9 / 10
        if entries.count > target {
            for (name, _) in entries.sorted(by: { $0.value.lastSeen < $1.value.lastSeen }).prefix(entries.count - target) {
                entries.removeValue(forKey: name)
            }
        }
    }
}
