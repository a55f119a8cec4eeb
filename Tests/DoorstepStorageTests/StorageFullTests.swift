import DoorstepCore
import Foundation
import Logging
import SQLKit
import Testing

@testable import DoorstepStorage

/// A full disk under the SQLite file is `storageFull` (503 with Retry-After), as a full photo
/// disk is, not a 500: SQLite's own size cap (`max_page_count`) gives the same SQLITE_FULL.
@Suite struct StorageFullTests {
    @Test func aFullDatabaseIsStorageFullAndKeepsWhatItHad() async throws {
        let path = NSTemporaryDirectory() + "doorstep-full-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        // One connection, so the cap set below is the one every statement meets.
        let source = try await SQLiteConnectionPool.open(path: path, size: 1, logger: Logger(label: "test"))
        let store = SQLMetadataStore(source: source)
        try await store.migrate()
        let seed = Seed(store: store)
        let kept = try await seed.tenant("Kept")
        try await source.withConnection { db in
            let pages = try await db.raw("PRAGMA page_count").first(decodingColumn: "page_count", as: Int.self) ?? 1
            try await db.raw("PRAGMA max_page_count = \(unsafeRaw: String(pages))").run()
        }
        await #expect(throws: DoorstepError.storageFull) {
            for _ in 0..<10_000 { _ = try await seed.tenant(String(repeating: "x", count: 2_000)) }
        }
        #expect(try await store.tenants().contains { $0.id == kept.id })
        try await store.shutdown()
    }
}
