import DoorstepCore
import Foundation
import Logging
import SQLKit
import Testing

@testable import DoorstepStorage

/// Writes in one process take turns before SQLite's lock, so none of them waits on
/// SQLite's polling busy handler: together they may hold the lock far longer than its timeout.
@Suite struct SQLiteWriteTurnTests {
    @Test func manyWritersInOneProcessOutlastTheBusyTimeoutAndAllCommit() async throws {
        let path = NSTemporaryDirectory() + "doorstep-turns-\(UUID().uuidString).sqlite"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let source = try await SQLiteConnectionPool.open(path: path, size: 4, busyTimeout: .milliseconds(200), logger: Logger(label: "test"))
        try await source.withConnection { try await $0.raw("CREATE TABLE written (n INTEGER)").run() }
        // Closed whatever happens: a connection left open is an assertion, not a failed test.
        let outcome: Result<Int?, any Error>
        do {
            // Eight transactions of 100 ms each: 800 ms of lock held, four times the busy timeout,
            // and four writes outside a transaction among them. Waiting on SQLite's lock, the
            // later ones would fail with "database is locked".
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<8 {
                    group.addTask {
                        try await source.withTransaction { db in
                            try await db.raw("INSERT INTO written (n) VALUES (\(bind: n))").run()
                            try await Task.sleep(for: .milliseconds(100))
                        }
                    }
                }
                for n in 8..<12 {
                    group.addTask {
                        try await source.withWrite { try await $0.raw("INSERT INTO written (n) VALUES (\(bind: n))").run() }
                    }
                }
                try await group.waitForAll()
            }
            outcome = .success(try await source.withConnection {
                try await $0.raw("SELECT count(*) AS c FROM written").first(decodingColumn: "c", as: Int.self)
            })
        } catch {
            outcome = .failure(error)
        }
        try await source.shutdown()
        #expect(try outcome.get() == 12)
    }

    /// Between processes SQLite's lock still decides: a write kept waiting past the busy timeout
    /// by another process's transaction is a moment's overload (503), not an internal error.
    @Test func aWriteKeptWaitingByAnotherProcessIsOverloaded() async throws {
        let path = NSTemporaryDirectory() + "doorstep-turns-\(UUID().uuidString).sqlite"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        // Two pools on one file stand for two processes: each has its own turns.
        let other = try await SQLiteConnectionPool.open(path: path, size: 1, logger: Logger(label: "test"))
        let source = try await SQLiteConnectionPool.open(path: path, size: 1, busyTimeout: .milliseconds(100), logger: Logger(label: "test"))
        let outcome: Result<Void, any Error>
        do {
            try await other.withConnection { try await $0.raw("CREATE TABLE written (n INTEGER)").run() }
            outcome = try await other.withTransaction { db in
                try await db.raw("INSERT INTO written (n) VALUES (1)").run()
                do {
                    try await source.withWrite { try await $0.raw("INSERT INTO written (n) VALUES (2)").run() }
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
        } catch {
            outcome = .failure(error)
        }
        try await source.shutdown()
        try await other.shutdown()
        #expect(throws: DoorstepError.overloaded) { try outcome.get() }
    }

    /// A write that cannot get its turn within the queue limit is overloaded (503) while the
    /// turn is still held, and the turn passes on afterwards: nothing is lost to the one that gave up.
    @Test func aWriteWaitingPastTheQueueLimitIsOverloadedAndTheTurnPassesOn() async throws {
        try await withHeldTurn(queueLimit: .milliseconds(200)) { source, holderDone in
            await #expect(throws: DoorstepError.overloaded) {
                try await source.withWrite { try await $0.raw("INSERT INTO written (n) VALUES (2)").run() }
            }
            #expect(await !holderDone.isSet, "gave up while the turn was held, not after")
        }
    }

    /// A caller cancelled while it waits (a worker told to stop) leaves the queue at once, and
    /// the turn it would have had goes to the next write, not to no one.
    @Test func aCancelledWaitLeavesTheQueueAndTheTurnPassesOn() async throws {
        try await withHeldTurn(queueLimit: .seconds(30)) { source, holderDone in
            let waiter = Task { try await source.withWrite { try await $0.raw("INSERT INTO written (n) VALUES (2)").run() } }
            try await Task.sleep(for: .milliseconds(100))
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
            #expect(await !holderDone.isSet, "left while the turn was held, not after")
        }
    }

    actor Flag {
        var isSet = false
        func set() { isSet = true }
    }

    /// A pool whose write turn is held by a first write (n = 1) for 800 ms after it began, while `body` runs;
    /// then a third write (n = 3) must get the turn, and the table must hold 1 and 3 only.
    func withHeldTurn(queueLimit: Duration, _ body: @Sendable (SQLiteConnectionPool, Flag) async throws -> Void) async throws {
        let path = NSTemporaryDirectory() + "doorstep-turns-\(UUID().uuidString).sqlite"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let source = try await SQLiteConnectionPool.open(path: path, size: 2, queueLimit: queueLimit, logger: Logger(label: "test"))
        let outcome: Result<[Int], any Error>
        do {
            try await source.withConnection { try await $0.raw("CREATE TABLE written (n INTEGER)").run() }
            let holderStarted = Flag(), holderDone = Flag()
            let holder = Task {
                try await source.withWrite { db in
                    try await db.raw("INSERT INTO written (n) VALUES (1)").run()
                    await holderStarted.set()
                    try await Task.sleep(for: .milliseconds(800))
                }
                await holderDone.set()
            }
            while await !holderStarted.isSet { try await Task.sleep(for: .milliseconds(5)) }
            try await body(source, holderDone)
            try await holder.value
            try await source.withWrite { try await $0.raw("INSERT INTO written (n) VALUES (3)").run() }
            outcome = .success(try await source.withConnection {
                try await $0.raw("SELECT n FROM written ORDER BY n").all().map { try $0.decode(column: "n", as: Int.self) }
            })
        } catch {
            outcome = .failure(error)
        }
        try await source.shutdown()
        #expect(try outcome.get() == [1, 3])
    }
}
