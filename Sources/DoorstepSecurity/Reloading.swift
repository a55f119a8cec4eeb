import Foundation
import Synchronization

/// A value read from the key folder and read again when it is older than `interval`, so servers
/// sharing the folder pick up a key rotation made by another (or by `doorstep keys …`) within that
/// time, without a restart. A read that fails keeps the last good value.
final class Reloading<Value: Sendable>: Sendable {
    private let interval: Duration
    /// A forced read (an unknown key id arrived) happens at most this often, so a stranger sending
    /// made-up ids cannot make every request read the folder.
    private let forcedInterval: Duration
    private let load: @Sendable () throws -> Value
    private let state: Mutex<(value: Value, loadedAt: ContinuousClock.Instant)>

    init(interval: Duration, forcedInterval: Duration = .seconds(1), load: @escaping @Sendable () throws -> Value) throws {
        (self.interval, self.forcedInterval, self.load) = (interval, forcedInterval, load)
        state = Mutex((try load(), .now))
    }

    /// The value, read again first when stale (or, with `force`, when not read in the last second).
    func get(force: Bool = false) -> Value {
        state.withLock { state in
            let age = ContinuousClock.now - state.loadedAt
            guard age >= (force ? forcedInterval : interval) else { return state.value }
            if let fresh = try? load() { state.value = fresh }
            state.loadedAt = .now
            return state.value
        }
    }
}
