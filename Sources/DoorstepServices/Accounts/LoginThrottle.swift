import DoorstepCore
import Foundation
import Synchronization

/// Guessing a courier's password: after `maxFailures` attempts without a success for a username
/// within `window`, that username is locked for `lockout`, before any password is checked (so a
/// locked account costs no bcrypt either). Each attempt counts from the moment it is let through,
/// not when its password has been checked, so a burst of parallel guesses gets `maxFailures`
/// through, not as many as the password queue holds. A right password clears the count. Memory is bounded: at most
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

    /// Lets one attempt for `username` through, counted as a failure until `succeeded` says
    /// otherwise; throws `tooManyAttempts` while the name is locked (and locks it once this
    /// attempt would be one too many).
    public func attempt(_ username: String, now: Date) throws(DoorstepError) {
        let refusal: Int? = entries.withLock { entries in
            var entry = entries[username] ?? Entry(lastSeen: now)
            entry.lastSeen = now
            if let lockedUntil = entry.lockedUntil, lockedUntil > now {
                entries[username] = entry
                return Int(lockedUntil.timeIntervalSince(now).rounded(.up))
            }
            entry.failures = entry.failures.filter { now.timeIntervalSince($0) < policy.window }
            if entry.failures.count >= policy.maxFailures {
                entry.lockedUntil = now.addingTimeInterval(policy.lockout)
                entry.failures = []
                entries[username] = entry
                return Int(policy.lockout.rounded(.up))
            }
            entry.failures.append(now)
            entries[username] = entry
            if entries.count > policy.capacity { Self.evict(&entries, now: now, policy: policy) }
            return nil
        }
        if let refusal { throw .tooManyAttempts(retryAfter: refusal) }
    }

    /// Records a failure outside an attempt (tests, tools).
    func failed(_ username: String, now: Date) {
        _ = try? attempt(username, now: now)
    }

    /// How many usernames are tracked now.
    var tracked: Int { entries.withLock { $0.count } }

    public func succeeded(_ username: String) {
        _ = entries.withLock { $0.removeValue(forKey: username) }
    }

    /// Drops what no longer matters (no recent failure, no lock), then the stalest entries that
    /// hold no lock, down to 90 %: a flood of invented names must not lift a real lock.
    private static func evict(_ entries: inout [String: Entry], now: Date, policy: Policy) {
        entries = entries.filter { _, entry in
            (entry.lockedUntil.map { $0 > now } ?? false) || entry.failures.contains { now.timeIntervalSince($0) < policy.window }
        }
        let target = policy.capacity * 9 / 10
        if entries.count > target {
            let unlocked = entries.filter { $0.value.lockedUntil.map { $0 <= now } ?? true }
            for (name, _) in unlocked.sorted(by: { $0.value.lastSeen < $1.value.lastSeen }).prefix(entries.count - target) {
                entries.removeValue(forKey: name)
            }
        }
    }
}
