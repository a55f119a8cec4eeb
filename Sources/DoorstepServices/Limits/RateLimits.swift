import DoorstepCore
import Foundation

/// The server's rate limits, one per thing a caller can repeat cheaply and the server pays for.
/// Counted in this process: behind a load balancer each server counts on its own, so a caller
/// gets at most the limit times the number of servers (said in docs/security.md).
public struct RateLimits: Sendable {
    public enum Action: String, Sendable, CaseIterable {
        /// Failed courier sign-ins from one client address (each costs a bcrypt); successful ones
        /// are not counted, so a depot's couriers behind one address are not refused for each
        /// other. The per-account lockout in `LoginThrottle` is separate and stays on.
        case login
        /// Photo uploads by one courier (retries and an offline queue's flush included).
        case upload
        /// Capture tickets asked by one courier.
        case ticket
        /// Actions on one customer link: deleting the photo, reporting a problem, choosing
        /// about photos (the opt-out).
        case link
        /// Customer links that do not verify (forged, damaged, guessed), per client address.
        case address
        /// A tenant's webhook test-sends: each is an outgoing request to a URL the tenant chose,
        /// and its answer (and timing) says something about that URL.
        case webhookTest = "webhook_test"
        /// A tenant's evidence-pack PDFs: each is rendered on the blocking pool (photo decode,
        /// layout, JPEG re-encode), the costliest read the API offers.
        case evidencePack = "evidence_pack"
        /// A tenant's logo uploads: each is decoded on the image workers that couriers' photos use.
        case logo
    }

    /// Defaults: a courier's busiest honest minute (a queue of photos sent after a tunnel) and a
    /// customer who changes their mind a few times pass; a script does not.
    public static let defaults: [Action: RatePolicy] = [
        .login: RatePolicy(count: 30, per: 300),
        .upload: RatePolicy(count: 60, per: 300),
        .ticket: RatePolicy(count: 60, per: 300),
        .link: RatePolicy(count: 10, per: 600),
        .address: RatePolicy(count: 60, per: 600),
        .webhookTest: RatePolicy(count: 10, per: 600),
        .evidencePack: RatePolicy(count: 30, per: 600),
        .logo: RatePolicy(count: 10, per: 600),
    ]

    /// nil: off (`--rate-limits off`, for load tests and benchmarks, which say so).
    private let limiters: [Action: RateLimiter]?
    private let metrics: AppMetrics
    private let effects: Effects

    public init(_ policies: [Action: RatePolicy]?, metrics: AppMetrics, effects: Effects) {
        limiters = policies.map { $0.mapValues { RateLimiter($0) } }
        self.metrics = metrics
        self.effects = effects
    }

    public var enabled: Bool { limiters != nil }

    /// Throws `rateLimited` if `key` is over its limit for `action` now, counting nothing: for
    /// limits that count only failures (`record` them).
    public func checkWithoutCounting(_ action: Action, _ key: String) throws(DoorstepError) {
        guard let limiter = limiters?[action] else { return }
        if let wait = limiter.wait(key, now: effects.now()) {
            metrics.rateLimited(action.rawValue)
            throw .rateLimited(retryAfter: wait)
        }
    }

    /// Counts one `action` by `key` that was let through (a failure, for failure-only limits).
    public func record(_ action: Action, _ key: String) {
        _ = limiters?[action]?.take(key, now: effects.now())
    }

    /// A sign-in from `client` (a courier's or an operator's): refused while the address has failed
    /// too often lately; a failure (`unauthenticated`) counts against it, a success counts nothing.
    public func signIn<T>(from client: String, _ attempt: () async throws -> T) async throws -> T {
        try checkWithoutCounting(.login, client)
        do {
            return try await attempt()
        } catch DoorstepError.unauthenticated {
            record(.login, client)
            throw DoorstepError.unauthenticated
        }
    }

    /// Counts one `action` by `key`; throws `rateLimited` with the seconds to wait when over.
    public func check(_ action: Action, _ key: String) throws(DoorstepError) {
        guard let limiter = limiters?[action] else { return }
        if let wait = limiter.take(key, now: effects.now()) {
            metrics.rateLimited(action.rawValue)
            throw .rateLimited(retryAfter: wait)
        }
    }

    /// Reads `on`, `off`, or overrides such as `upload=120/300,link=5/600` (COUNT at once, and
    /// COUNT per SECONDS on average) on top of the defaults.
    public static func parse(_ text: String) throws(SettingError) -> [Action: RatePolicy]? {
        switch text.lowercased() {
        case "off", "false", "0", "no": return nil
        case "on", "true", "1", "yes", "": return defaults
        default: break
        }
        var policies = defaults
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let numbers = parts.count == 2 ? parts[1].split(separator: "/").map { Int($0) } : []
            guard parts.count == 2, let action = Action(rawValue: parts[0]), numbers.count == 2,
                  let count = numbers[0], let seconds = numbers[1], (1...1_000_000).contains(count), (1...86_400).contains(seconds)
            else {
                throw SettingError(description: "must be on, off, or NAME=COUNT/SECONDS,… with NAME one of "
                    + Action.allCases.map(\.rawValue).joined(separator: ", "))
            }
            policies[action] = RatePolicy(count: count, per: TimeInterval(seconds))
        }
        return policies
    }
}
