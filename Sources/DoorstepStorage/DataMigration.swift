import Foundation
import SQLKit

/// Moves an embedded deployment to the scale-out engines: every table from the SQLite file to
/// PostgreSQL, every blob from the local folder to S3. Rows and blobs are copied as they are
/// (photos stay sealed; the keys folder goes along with the servers). Re-running it copies
/// only what is missing, so an interrupted move can simply be started again.
public struct DataMigration: Sendable {
    /// In foreign-key order.
    public static let tables = [
        "tenants", "api_keys", "couriers", "courier_sessions", "deliveries", "photos", "idempotency_keys",
        "recipient_choices", "access_events", "webhook_endpoints", "outbox_events", "outbox_messages", "problem_reports",
        "capture_tickets", "reuse_flags", "delivery_requests", "delivery_attempts", "operators", "operator_sessions",
        "brand_logos", "dashboard_days", "dashboard_hours", "activity_log", "case_notes",
    ]

    let source: SQLiteConnectionPool
    let target: any SQLConnectionSource

    public init(from source: SQLiteConnectionPool, to target: any SQLConnectionSource) {
        self.source = source
        self.target = target
    }

    /// Copies every table; returns the row count of each table in the source and, after the copy, in the target.
    public func copyRows(batch: Int = 500) async throws -> (source: [String: Int], target: [String: Int]) {
        guard try await Migrations.current(on: source) == Migrations.latest else {
            throw StoreConfigurationError(description: "the SQLite file is not at the latest schema: run `doorstep migrate` on it first")
        }
        try await Migrations.apply(on: target)
        var sourceRows: [String: Int] = [:], targetRows: [String: Int] = [:]
        for table in Self.tables {
            let columns = try await source.withConnection { db in
                try await db.raw("SELECT name, type FROM pragma_table_info(\(bind: table)) ORDER BY cid").all()
                    .map { (try $0.decode(column: "name", as: String.self), try $0.decode(column: "type", as: String.self).uppercased()) }
            }
            var offset = 0
            while true {
                let from = offset
                let rows = try await source.withConnection { db in
                    try await db.raw("SELECT * FROM \(ident: table) ORDER BY rowid LIMIT \(bind: batch) OFFSET \(bind: from)").all()
                }
                if rows.isEmpty { break }
                try await target.withTransaction { db in
                    for row in rows {
                        let values = try columns.map { name, type in try Self.value(of: row, column: name, type: type) }
                        try await db.raw("""
                            INSERT INTO \(ident: table) (\(SQLList(columns.map { SQLIdentifier($0.0) })))
                            VALUES (\(SQLList(values.map { SQLBind($0) }))) ON CONFLICT DO NOTHING
                            """).run()
                    }
                }
                offset += rows.count
            }
            sourceRows[table] = try await Self.count(table, on: source)
            targetRows[table] = try await Self.count(table, on: target)
        }
        return (sourceRows, targetRows)
    }

    public static func copyBlobs(from source: any BlobStore, to target: any BlobStore) async throws -> Int {
        var copied = 0
        for listing in try await source.list(prefix: "photos/") where BlobKey.photoID(in: listing.key) != nil {
            guard let bytes = try await source.get(listing.key) else { continue }
            try await target.put(listing.key, bytes: bytes)
            copied += 1
        }
        return copied
    }

    /// A column's value with the Swift type its declared SQL type calls for.
    static func value(of row: any SQLRow, column: String, type: String) throws -> any Encodable & Sendable {
        if type.contains("INT") { return try row.decode(column: column, as: Int64?.self) }
        if type.contains("DOUBLE") || type.contains("REAL") { return try row.decode(column: column, as: Double?.self) }
        return try row.decode(column: column, as: String?.self)
    }

    static func count(_ table: String, on source: any SQLConnectionSource) async throws -> Int {
        try await source.withConnection { db in
            try await db.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }
}
