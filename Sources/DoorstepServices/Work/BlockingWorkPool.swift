import DoorstepCore
import NIOPosix
import Synchronization

/// Threads of its own for one kind of blocking work (bcrypt, a synchronous SMTP conversation),
/// so that work never holds the event loops, Swift's cooperative pool, or another kind's threads
/// (a login flood must not stall photo processing; a slow mail relay must not stall logins).
/// Admission is bounded: past `maxQueued` waiting jobs a caller is refused at once with
/// `DoorstepError.overloaded` rather than queued into memory without limit.
public final class BlockingWorkPool: Sendable {
    private let threadPool: NIOThreadPool
    private let maxInFlight: Int
    private let inFlight = Mutex(0)

    public init(threads: Int, maxQueued: Int) {
        threadPool = NIOThreadPool(numberOfThreads: max(1, threads))
        maxInFlight = max(1, threads) + max(0, maxQueued)
        threadPool.start()
    }

    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        let admitted = inFlight.withLock { count in
            guard count < maxInFlight else { return false }
            count += 1
            return true
        }
        guard admitted else { throw DoorstepError.overloaded }
        defer { inFlight.withLock { $0 -= 1 } }
        return try await threadPool.runIfActive(work)
    }

    public func shutdown() async throws {
        try await threadPool.shutdownGracefully()
    }
}
