import DoorstepCore
import Logging
import NIOPosix
import SQLKit
import SQLiteKit

/// A fixed set of connections to one SQLite file in WAL mode: readers run side by side, write
/// transactions take turns in process, first come first served, and each caller has its
/// connection to itself.
public final class SQLiteConnectionPool: SQLConnectionSource {
    public let engine = SQLEngine.sqlite
    private let lender: ConnectionLender<SQLiteConnection>
    /// One turn, lent in the order asked, for every write (`withTransaction`, `withWrite`; a write
    /// through plain `withConnection` would skip it). SQLite's own lock (BEGIN IMMEDIATE with a
    /// busy timeout) then arbitrates only between processes: its waiters poll, sleeping up to
    /// 100 ms between tries, so on a saturated machine one of many waiters in a process could
    /// lose every race until its timeout ("database is locked" after 10 s, seen in CI with 20
    /// writers at once). Each turn ahead ends within its statements' time, or the busy timeout
    /// when another process holds the lock; a wait past `queueLimit` is `overloaded`.
    private let writeTurn: ConnectionLender<Void>
    private let connections: [SQLiteConnection]
    private let threadPool: NIOThreadPool
    private let logger: Logger

    /// - Parameters:
    ///   - busyTimeout: how long a write waits for another process's write to end.
    ///   - queueLimit: how long a caller waits in this process for a connection, and a write for
    ///     its turn, before it is `overloaded`: long enough for a burst of uploads to pass one by
    ///     one, short enough that a flood is answered with 503 and Retry-After instead of hanging.
    public static func open(path: String, size: Int = 4, busyTimeout: Duration = .seconds(10), queueLimit: Duration = .seconds(30),
                            logger: Logger) async throws -> SQLiteConnectionPool {
        // One thread per connection. A connection waiting for SQLite's write lock blocks its
        // thread; with a shared, smaller pool the lock holder could find no thread free to run
        // its COMMIT, and every writer would wait out the busy timeout.
        let size = max(1, size)
        let threadPool = NIOThreadPool(numberOfThreads: size)
        threadPool.start()
        var connections: [SQLiteConnection] = []
        do {
            for _ in 0..<size {
                let connection = try await SQLiteConnection.open(
                    storage: .file(path: path), threadPool: threadPool, logger: logger, on: MultiThreadedEventLoopGroup.singleton.any())
                connections.append(connection)
                let db = connection.sql()
                // WAL lets readers proceed during a write; synchronous stays FULL (the default) so a
                // committed photo survives a power cut.
                try await db.raw("PRAGMA journal_mode=WAL").run()
                try await db.raw("PRAGMA busy_timeout=\(unsafeRaw: String(Int(busyTimeout / .milliseconds(1))))").run()
                try await db.raw("PRAGMA foreign_keys=ON").run()
                try await connection.install(customFunction: hammingDistance())
            }
        } catch {
            for connection in connections { try? await connection.close() }
            try? await threadPool.shutdownGracefully()
            throw error
        }
        return SQLiteConnectionPool(connections: connections, threadPool: threadPool, queueLimit: queueLimit, logger: logger)
    }

    /// `hamming_distance(a, b)`: the bits in which two 64-bit integers differ (SQLite has no XOR
    /// nor popcount); NULL unless both are integers. See `SQLEngine.hammingDistance`.
    private static func hammingDistance() -> SQLiteCustomFunction {
        SQLiteCustomFunction("hamming_distance", argumentCount: 2, pure: true) { arguments in
            guard case .integer(let a) = arguments[0], case .integer(let b) = arguments[1] else { return nil }
            return (a ^ b).nonzeroBitCount
        }
    }

    private init(connections: [SQLiteConnection], threadPool: NIOThreadPool, queueLimit: Duration, logger: Logger) {
        self.connections = connections
        self.logger = logger
        self.lender = ConnectionLender(connections, patience: queueLimit)
        self.writeTurn = ConnectionLender([()], patience: queueLimit)
        self.threadPool = threadPool
    }

    public func withConnection<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        do {
            return try await lender.lend { try await body($0.sql()) }
        } catch let error as SQLiteError where error.reason == .full {
            // The disk (or a size limit) is full: an answer (503, storage-full), not an accident.
            // SQLite rolled the statement back; nothing half-written stays.
            throw DoorstepError.storageFull
        } catch let error as SQLiteError where Self.busy.contains(error.reason) {
            // Another process held the write lock past the busy timeout (a migration, a second
            // server on the same file): a moment's overload (503, Retry-After), not a 500. Logged,
            // so that a sweep or a migration kept waiting says why.
            logger.warning("database busy", metadata: ["reason": "\(error.reason)"])
            throw DoorstepError.overloaded
        } catch is QueueExhausted {
            logger.warning("database busy", metadata: ["reason": "no connection free within the queue limit"])
            throw DoorstepError.overloaded
        }
    }

    /// Another connection's lock. Not SQLITE_LOCKED: without a shared cache that is a conflict
    /// within one connection, a bug to surface, not a wait to retry.
    private static let busy: Set<SQLiteError.Reason> = [.busy, .busyTimeout, .busyInRecovery, .busyInSnapshot]

    public func withWriteTurn<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        do {
            return try await writeTurn.lend { _ in try await body() }
        } catch is QueueExhausted {
            logger.warning("database busy", metadata: ["reason": "no write turn within the queue limit"])
            throw DoorstepError.overloaded
        }
    }

    public func shutdown() async throws {
        for connection in connections {
            try await connection.close()
        }
        try await threadPool.shutdownGracefully()
    }
}
