import Logging
import SQLKit
import SQLiteKit

/// A fixed set of connections to one SQLite file in WAL mode: readers run side by side, writers
/// queue on SQLite's own lock (busy timeout), and each caller has its connection to itself.
public actor SQLiteConnectionPool: SQLConnectionSource {
    public nonisolated let engine = SQLEngine.sqlite
    private var idle: [SQLiteConnection]
    private var all: [SQLiteConnection]
    private var waiters: [CheckedContinuation<SQLiteConnection, Never>] = []

    public static func open(path: String, size: Int = 4, logger: Logger) async throws -> SQLiteConnectionPool {
        var connections: [SQLiteConnection] = []
        for _ in 0..<max(1, size) {
            let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            let db = connection.sql()
            // WAL lets readers proceed during a write; synchronous stays FULL (the default) so a
            // committed photo survives a power cut.
            try await db.raw("PRAGMA journal_mode=WAL").run()
            try await db.raw("PRAGMA busy_timeout=10000").run()
            try await db.raw("PRAGMA foreign_keys=ON").run()
            connections.append(connection)
        }
        return SQLiteConnectionPool(connections: connections)
    }

    private init(connections: [SQLiteConnection]) {
        self.idle = connections
        self.all = connections
    }

    public nonisolated func withConnection<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let connection = await checkOut()
        do {
            let result = try await body(connection.sql())
            await checkIn(connection)
            return result
        } catch {
            await checkIn(connection)
            throw error
        }
    }

    private func checkOut() async -> SQLiteConnection {
        if let connection = idle.popLast() { return connection }
        return await withCheckedContinuation { waiters.append($0) }
    }

    private func checkIn(_ connection: SQLiteConnection) {
        if waiters.isEmpty {
            idle.append(connection)
        } else {
            waiters.removeFirst().resume(returning: connection)
        }
    }

    public func shutdown() async throws {
        for connection in all {
            try await connection.close()
        }
        all = []
        idle = []
    }
}
