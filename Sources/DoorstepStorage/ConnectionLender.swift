/// A wait for a connection or a turn that outlasted the lender's patience: its owner answers
/// `overloaded` (503 with Retry-After), and says so in its log.
struct QueueExhausted: Error {}

/// Lends a fixed set of connections out one at a time, in order of asking, used by the SQLite
/// pool for its connections and its write turn. A wait is bounded: past `patience` the caller
/// gets `QueueExhausted` (under a flood of writes, an answer instead of a request that hangs),
/// and a cancelled caller leaves the queue at once (a shutting-down worker does not wait for a
/// turn it no longer wants, nor does its turn go to no one).
actor ConnectionLender<Connection: Sendable> {
    private var idle: [Connection]
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<Connection, any Error>)] = []
    private var nextID: UInt64 = 0
    private let patience: Duration

    init(_ connections: [Connection], patience: Duration) {
        self.idle = connections
        self.patience = patience
    }

    func checkOut() async throws -> Connection {
        if let connection = idle.popLast() { return connection }
        let id = nextID
        nextID += 1
        let patience = patience
        let timer = Task { [weak self] in
            try await Task.sleep(for: patience)
            await self?.giveUp(id, QueueExhausted())
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                // Runs on this actor before any `giveUp` for this id can: cancelled already, the
                // handler below may have found no waiter to remove.
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    waiters.append((id, continuation))
                }
            }
        } onCancel: {
            Task { await self.giveUp(id, CancellationError()) }
        }
    }

    func checkIn(_ connection: Connection) {
        if waiters.isEmpty {
            idle.append(connection)
        } else {
            waiters.removeFirst().continuation.resume(returning: connection)
        }
    }

    /// Ends one wait with `error`, if it is still waiting (a connection may have reached it first).
    private func giveUp(_ id: UInt64, _ error: any Error) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: error)
    }

    /// Runs `body` with a connection of its own, returning the connection whatever happens.
    nonisolated func lend<T: Sendable>(_ body: (Connection) async throws -> T) async throws -> T {
        let connection = try await checkOut()
        do {
            let result = try await body(connection)
            await checkIn(connection)
            return result
        } catch {
            await checkIn(connection)
            throw error
        }
    }
}
