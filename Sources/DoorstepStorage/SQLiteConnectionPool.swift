import Logging
import NIOPosix
import SQLKit
import SQLiteKit

/// A fixed set of connections to one SQLite file in WAL mode: readers run side by side, writers
/// queue on SQLite's own lock (busy timeout), and each caller has its connection to itself.
public actor SQLiteConnectionPool: SQLConnectionSource {
    public nonisolated let engine = SQLEngine.sqlite
    private var idle: [SQLiteConnection]
    private var all: [SQLiteConnection]
    private var waiters: [CheckedContinuation<SQLiteConnection, Never>] = []
    private let threadPool: NIOThreadPool

    public static func open(path: String, size: Int = 4, logger: Logger) async throws -> SQLiteConnectionPool {
        // One thread per connection. A connection waiting for SQLite's write lock blocks its
        // thread; with a shared, smaller pool the lock holder could find no thread free to run
        // its COMMIT, and every writer would wait out the busy timeout.
        let size = max(1, size)
        let threadPool = NIOThreadPool(numberOfThreads: size)
        threadPool.start()
        var connections: [SQLiteConnection] = []
        for _ in 0..<size {
            let connection = try await SQLiteConnection.open(
                storage: .file(path: path), threadPool: threadPool, logger: logger, on: MultiThreadedEventLoopGroup.singleton.any())
            let db = connection.sql()
            // WAL lets readers proceed during a write; synchronous stays FULL (the default) so a
            // committed photo survives a power cut.
            try await db.raw("PRAGMA journal_mode=WAL").run()
            try await db.raw("PRAGMA busy_timeout=10000").run()
            try await db.raw("PRAGMA foreign_keys=ON").run()
            connections.append(connection)
        }
        return SQLiteConnectionPool(connections: connections, threadPool: threadPool)
    }

    private init(connections: [SQLiteConnection], threadPool: NIOThreadPool) {
        self.idle = connections
        self.all = connections
        self.threadPool = threadPool
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
        try await threadPool.shutdownGracefully()
    }
}
