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

    /// The value, read again first when stale (or, with `force`, when not read within
    /// `forcedInterval`). The folder is read outside the lock: a slow disk delays the caller that
    /// reads it, not every other caller, which keeps the value it has meanwhile.
    func get(force: Bool = false) -> Value {
        let (current, due) = state.withLock { state in
            let age = ContinuousClock.now - state.loadedAt
            guard age >= (force ? forcedInterval : interval) else { return (state.value, false) }
            state.loadedAt = .now  // this caller reads; the others go on with the current value
            return (state.value, true)
        }
        guard due, let fresh = try? load() else { return current }
        state.withLock { $0.value = fresh }
        return fresh
    }
}
