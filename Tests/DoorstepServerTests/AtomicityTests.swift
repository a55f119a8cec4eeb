import DoorstepCore
import DoorstepStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import SQLKit
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

/// Real SQLite connections, except that statements containing `failing` throw: a database that
/// fails in the middle of a transaction.
struct FailingStatementSource: SQLConnectionSource {
    let base: any SQLConnectionSource
    let failing: String
    var engine: SQLEngine { base.engine }

    func withConnection<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await base.withConnection { db in try await body(FailingDatabase(base: db, failing: failing)) }
    }

    func withWriteTurn<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await base.withWriteTurn(body)
    }

    func shutdown() async throws { try await base.shutdown() }
}

struct FailingDatabase: SQLDatabase {
    let base: any SQLDatabase
    let failing: String
    struct InjectedFault: Error {}

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
    var queryLogLevel: Logger.Level? { base.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        if base.serialize(query).sql.contains(failing) { return eventLoop.makeFailedFuture(InjectedFault()) }
        return base.execute(sql: query, onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        if base.serialize(query).sql.contains(failing) { throw InjectedFault() }
        try await base.execute(sql: query, onRow)
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await closure(self)
    }
}

@Suite struct AtomicityTests {
    @Test func aFailedCommitLeavesNoPhotoAndNoBlobs() async throws {
        try await TestApp.run(failing: "INSERT INTO photos") { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                let response = try await client.execute(uri: app.uploadPath(delivery), method: .post, headers: app.courierHeaders(key: "x"), body: ByteBuffer(bytes: Photos.jpeg))
                #expect(response.status == .internalServerError)
                let problem = try response.json()
                #expect(problem["type"] as? String == "/problems/internal")
                #expect(!(problem["detail"] as? String ?? "").contains("InjectedFault"))
            }
            // The idempotency key claimed earlier in the same transaction was rolled back too.
            #expect(try await app.services.store.idempotentUpload(courierID: app.courier.id, key: "x") == nil)
            #expect((try await app.blobFiles()).isEmpty)
            #expect(try await app.services.store.currentPhoto(deliveryID: delivery.id) == nil)
            #expect(try await app.services.store.delivery(id: delivery.id)?.state == .created)
        }
    }

    @Test func theOrphanSweepRemovesStrayBlobsAndKeepsLiveOnes() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery()
            let outcome = try await app.services.ingest.upload(
                Photos.jpeg, to: try await app.services.ingest.authorize(deliveryID: delivery.id, for: app.courier), details: PhotoUploadDetails(placement: .porch, note: nil, devicePosition: nil),
                idempotencyKey: nil, by: app.courier)
            // What a crash between the blob writes and the commit leaves behind, and a torn write.
            let strayID = UUID().uuidString.lowercased()
            try await app.services.blobs.put("photos/\(strayID)/display.jpg", bytes: [1, 2, 3])
            // A torn write exists only on disk (an S3 PUT is all or nothing): make one there.
            let onDisk = app.services.blobs is DiskBlobStore
            if onDisk {
                let torn = app.folder.appendingPathComponent("blobs/photos/\(outcome.photo.id)/.tmp-\(UUID().uuidString)")
                FileManager.default.createFile(atPath: torn.path, contents: Data([9]))
            }
            let sweeper = app.services.orphanSweeper

            // Within the grace period nothing is touched: it could be an upload about to commit.
            #expect(try await sweeper.sweepOnce() == 0)
            #expect((try await app.blobFiles()).count == (onDisk ? 4 : 3))

            app.clock.advance(by: 2 * 3600)
            #expect(try await sweeper.sweepOnce() == (onDisk ? 2 : 1))
            #expect((try await app.blobFiles()) == ["photos/\(outcome.photo.id)/display.jpg", "photos/\(outcome.photo.id)/thumbnail.jpg"])
        }
    }
}
