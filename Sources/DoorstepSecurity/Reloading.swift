import Foundation
import Synchronization

/// A value read from the key folder and read again when it is older than `interval`, so servers
/// sharing the folder pick up a key rotation made by another (or by `doorstep keys …`) within that
/// time, without a restart. A read that fails keeps the last good value.
final class Reloading<Value: Sendable>: Sendable {
    private let interval: Duration
    private let load: @Sendable () throws -> Value
    private let state: Mutex<(value: Value, loadedAt: ContinuousClock.Instant)>

    init(interval: Duration, load: @escaping @Sendable () throws -> Value) throws {
        (self.interval, self.load) = (interval, load)
        state = Mutex((try load(), .now))
    }

    /// The value, read again first when stale, or always with `force` (the caller's reason must
    /// be rare: an upload key id it does not know). The folder is read outside the lock: a slow disk delays the caller that
    /// reads it, not every other caller, which keeps the value it has meanwhile.
    func get(force: Bool = false) -> Value {
        let (current, due) = state.withLock { state in
            let age = ContinuousClock.now - state.loadedAt
            guard force || age >= interval else { return (state.value, false) }
            state.loadedAt = .now  // this caller reads; the others go on with the current value
            return (state.value, true)
        }
        guard due, let fresh = try? load() else { return current }
        state.withLock { $0.value = fresh }
        return fresh
    }
}
