/// Lends a fixed set of connections out one at a time, in order of asking. Shared by the
/// SQLite and PostgreSQL pools.
actor ConnectionLender<Connection: Sendable> {
    private var idle: [Connection]
    private var waiters: [CheckedContinuation<Connection, Never>] = []

    init(_ connections: [Connection]) {
        self.idle = connections
    }

    func checkOut() async -> Connection {
        if let connection = idle.popLast() { return connection }
        return await withCheckedContinuation { waiters.append($0) }
    }

    func checkIn(_ connection: Connection) {
        if waiters.isEmpty {
            idle.append(connection)
        } else {
            waiters.removeFirst().resume(returning: connection)
        }
    }

    /// Runs `body` with a connection of its own, returning the connection whatever happens.
    nonisolated func lend<T: Sendable>(_ body: (Connection) async throws -> T) async throws -> T {
        let connection = await checkOut()
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
