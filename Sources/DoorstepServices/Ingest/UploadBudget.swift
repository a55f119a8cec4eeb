import DoorstepCore
import Synchronization

/// Memory for upload bodies in flight. Each upload holds a share of a fixed budget, its declared
/// size, from before its first byte is read until its photo is stored, so what uploads take in
/// memory has a bound the operator sets, however many couriers send at once. An upload that does
/// not fit waits, in arrival order, with its body unread (the server stops reading that socket, so
/// TCP holds the client back); after `maxWait`, or at once when `maxWaiters` are already waiting,
/// it is refused with 503 and `Retry-After`, and the courier app sends it again later. One
/// holder (a courier) may have at most `maxPerHolder` uploads admitted or waiting: a stolen token
/// that declares large bodies and drips them cannot take the whole budget.
///
/// The share is the body's size, not all the work's memory: decoding runs in strips (libjpeg's
/// DCT scaling, a row ring), and the image pool bounds how many decode at once.
public final class UploadBudget: Sendable {
    public let totalBytes: Int
    private let maxWaiters: Int
    private let maxWait: Duration
    private let maxPerHolder: Int
    private let metrics: AppMetrics
    private let state = Mutex(State())

    private struct State {
        var inUse = 0
        var waiters: [Waiter] = []
        var nextTicket: UInt64 = 0
        /// Uploads of each holder admitted or waiting.
        var perHolder: [String: Int] = [:]
    }

    private struct Waiter {
        var ticket: UInt64
        var bytes: Int
        var continuation: CheckedContinuation<Void, any Error>
    }

    public init(totalBytes: Int, maxWaiters: Int, maxWait: Duration, maxPerHolder: Int = 4, metrics: AppMetrics = AppMetrics()) {
        self.totalBytes = max(1, totalBytes)
        self.maxWaiters = max(0, maxWaiters)
        self.maxWait = maxWait
        self.maxPerHolder = max(1, maxPerHolder)
        self.metrics = metrics
    }

    /// Bytes held by admitted uploads now.
    public var bytesInUse: Int { state.withLock { $0.inUse } }

    /// Admits `bytes` (at most the whole budget, so one large upload can still pass alone), waiting
    /// for room up to `maxWait`. Throws `DoorstepError.overloaded` when there is none in time.
    public func admit(bytes requested: Int, holder: String) async throws -> Permit {
        let bytes = min(max(1, requested), totalBytes)
        let admitted = try state.withLock { state in
            guard state.perHolder[holder, default: 0] < maxPerHolder else {
                metrics.uploadsRefused.increment()
                throw DoorstepError.overloaded
            }
            state.perHolder[holder, default: 0] += 1
            return takeIfFree(bytes, in: &state)
        }
        if admitted { return Permit(budget: self, bytes: bytes, holder: holder) }
        do {
            try await wait(for: bytes)
        } catch {
            state.withLock { Self.leave(holder, in: &$0) }
            throw error
        }
        return Permit(budget: self, bytes: bytes, holder: holder)
    }

    private static func leave(_ holder: String, in state: inout State) {
        state.perHolder[holder, default: 1] -= 1
        if state.perHolder[holder] == 0 { state.perHolder[holder] = nil }
    }

    /// Queues for `bytes` of room, in arrival order, until admitted, refused at the deadline, or cancelled.
    private func wait(for bytes: Int) async throws {
        let ticket = state.withLock { state in
            state.nextTicket += 1
            return state.nextTicket
        }
        let started = ContinuousClock.now
        // Whichever comes first resumes the waiter, under the lock: room (a release), the deadline,
        // or the client going away (cancellation). Exactly one of them finds it still waiting.
        let deadline = Task { [maxWait] in
            guard (try? await Task.sleep(for: maxWait)) != nil else { return }
            self.resolve(ticket, throwing: DoorstepError.overloaded)
        }
        defer { deadline.cancel() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                enum Decision { case admitted, refused, waiting }
                // Decided again under the lock: room may have been freed since the first look, and
                // a deadline that passed before this waiter was queued must still refuse it.
                let decision = state.withLock { state -> Decision in
                    if takeIfFree(bytes, in: &state) { return .admitted }
                    guard state.waiters.count < maxWaiters, ContinuousClock.now - started < maxWait else { return .refused }
                    state.waiters.append(Waiter(ticket: ticket, bytes: bytes, continuation: continuation))
                    return .waiting
                }
                switch decision {
                case .admitted: continuation.resume()
                case .refused:
                    metrics.uploadsRefused.increment()
                    continuation.resume(throwing: DoorstepError.overloaded)
                case .waiting: if Task.isCancelled { resolve(ticket, throwing: CancellationError()) }
                }
            }
        } onCancel: {
            resolve(ticket, throwing: CancellationError())
        }
        metrics.uploadBudgetWait.record(ContinuousClock.now - started)
    }

    /// Admits at once when nobody is waiting (arrival order) and the bytes fit.
    private func takeIfFree(_ bytes: Int, in state: inout State) -> Bool {
        guard state.waiters.isEmpty && state.inUse + bytes <= totalBytes else { return false }
        take(bytes, in: &state)
        return true
    }

    private func take(_ bytes: Int, in state: inout State) {
        state.inUse += bytes
        metrics.uploadBytesInFlight.set(state.inUse)
    }

    /// Ends a wait that is still pending (a waiter already admitted is left alone). Its leaving
    /// may let the ones behind it in: a large upload that gave up no longer blocks a small one that fits.
    private func resolve(_ ticket: UInt64, throwing error: any Error) {
        let (waiter, admitted) = state.withLock { state in
            let waiter = state.waiters.firstIndex { $0.ticket == ticket }.map { state.waiters.remove(at: $0) }
            return (waiter, admitHead(&state))
        }
        for admitted in admitted { admitted.continuation.resume() }
        guard let waiter else { return }
        if error is DoorstepError { metrics.uploadsRefused.increment() }
        waiter.continuation.resume(throwing: error)
    }

    fileprivate func release(_ bytes: Int, holder: String) {
        let admitted = state.withLock { state in
            state.inUse -= bytes
            Self.leave(holder, in: &state)
            return admitHead(&state)
        }
        for waiter in admitted { waiter.continuation.resume() }
    }

    /// Room goes to the waiters in order, while the one at the head fits: a large upload at the
    /// head is not overtaken forever by small ones. Resumed by the caller, outside the lock.
    private func admitHead(_ state: inout State) -> [Waiter] {
        var admitted: [Waiter] = []
        while let first = state.waiters.first, state.inUse + first.bytes <= totalBytes {
            take(first.bytes, in: &state)
            admitted.append(state.waiters.removeFirst())
        }
        metrics.uploadBytesInFlight.set(state.inUse)
        return admitted
    }

    /// An admitted upload's share, given back once (explicitly, or when the permit is dropped).
    public final class Permit: Sendable {
        private let budget: UploadBudget
        public let bytes: Int
        private let holder: String
        private let released = Atomic(false)

        fileprivate init(budget: UploadBudget, bytes: Int, holder: String) {
            self.budget = budget
            self.bytes = bytes
            self.holder = holder
        }

        public func release() {
            guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
            budget.release(bytes, holder: holder)
        }

        deinit { release() }
    }
}
