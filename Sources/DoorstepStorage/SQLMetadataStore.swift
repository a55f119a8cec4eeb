import DoorstepCore
import Foundation
import SQLKit
import Synchronization

/// `MetadataStore` over SQLKit. All SQL uses bound parameters; engine differences live in
/// `SQLEngine`.
public struct SQLMetadataStore: MetadataStore {
    let source: any SQLConnectionSource

    public init(source: any SQLConnectionSource) {
        self.source = source
    }

    public func migrate() async throws {
        try await Migrations.apply(on: source)
    }

    /// Refuses to serve a database whose schema this build does not match: older needs
    /// `doorstep migrate` first; newer means this build is older than the database (a rolling
    /// deploy gone backwards).
    public func checkSchema() async throws {
        let current = (try? await Migrations.current(on: source)) ?? 0
        guard current == Migrations.latest else {
            throw StoreConfigurationError(description: current < Migrations.latest
                ? "the database schema is at step \(current), this build needs \(Migrations.latest): run `doorstep migrate` first"
                : "the database schema (step \(current)) is newer than this build (step \(Migrations.latest))")
        }
    }

    public func ping() async throws {
        _ = try await source.withConnection { db in try await db.raw("SELECT 1 AS ok").first() != nil }
    }

    public func shutdown() async throws {
        try await source.shutdown()
    }

    /// PostgreSQL is; the embedded SQLite file is used by one server only.
    public var isShared: Bool { source.engine == .postgres }

    /// Tells every process on this database (PostgreSQL NOTIFY; nothing to do when it is not shared).
    public func broadcast(_ message: String) async throws {
        guard isShared else { return }
        try await source.withConnection { db in
            try await db.raw("SELECT pg_notify(\(bind: Self.broadcastChannel), \(bind: message))").run()
        }
    }

    /// Hears what other processes broadcast, until cancelled; returns at once on SQLite.
    public func listen(_ handler: @escaping @Sendable (String) async -> Void) async throws {
        guard let pool = source as? PostgresClientSource else { return }
        try await pool.listen(channel: Self.broadcastChannel, handler)
    }

    static let broadcastChannel = "doorstep_events"

    /// Runs `insert` only while `count` (a query answering `n`) is under `limit`, in one
    /// transaction that first locks the parent row (`parent`: a table and id) on PostgreSQL, so a
    /// burst of parallel requests for one parent cannot pass the cap between counting and
    /// inserting. `FOR NO KEY UPDATE`: it serialises the cap, yet does not block the foreign-key
    /// checks of other inserts naming the same parent (photos, events). SQLite's BEGIN IMMEDIATE
    /// already lets one writer in at a time.
    /// False, with nothing written, when the cap is reached.
    func insert(
        underCap limit: Int, parent: (table: String, id: String), count: SQLQueryString,
        _ insert: @escaping @Sendable (any SQLDatabase) async throws -> Void
    ) async throws -> Bool {
        let lock = source.engine == .postgres
        return try await source.withTransaction { db in
            if lock { try await db.raw("SELECT id FROM \(unsafeRaw: parent.table) WHERE id = \(bind: parent.id) FOR NO KEY UPDATE").run() }
            guard try await db.raw(count).first()?.decode(column: "n", as: Int.self) ?? 0 < limit else { return false }
            try await insert(db)
            return true
        }
    }
}

/// Times are stored as epoch milliseconds: exact, sortable and the same on every engine.
extension Date {
    var epochMilliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
    init(epochMilliseconds: Int64) { self.init(timeIntervalSince1970: Double(epochMilliseconds) / 1000) }
}

extension SQLDatabase {
    /// Runs an `INSERT … ON CONFLICT DO NOTHING RETURNING 1 AS inserted` and says whether a row went in.
    func insertIfAbsent(_ query: SQLQueryString) async throws -> Bool {
        try await raw(query).first() != nil
    }
}

/// Rows decode by column name: snake_case columns into camelCase properties. SQLKit's own
/// `.convertFromSnakeCase` redoes that string work for every column of every row (a twentieth of
/// the request threads' CPU on the upload path, measured); our few names are converted once.
let snakeCase = SQLRowDecoder(keyDecodingStrategy: .custom { path in
    ColumnName(stringValue: ColumnName.snakeCase(path[path.count - 1].stringValue))
})

struct ColumnName: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }

    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }

    private static let known = Mutex<[String: String]>([:])

    /// "displaySha256" -> "display_sha256". (Our property names have no runs of capitals.)
    static func snakeCase(_ property: String) -> String {
        if let column = known.withLock({ $0[property] }) { return column }
        var column = ""
        for character in property {
            if character.isUppercase { column += "_" + character.lowercased() } else { column.append(character) }
        }
        known.withLock { $0[property] = column }
        return column
    }
}

/// "a.x, a.y" for a select list; the names are our own constants, never input.
func columnList(_ names: [String], of alias: String?) -> String {
    names.map { (alias.map { "\($0)." } ?? "") + $0 }.joined(separator: ", ")
}

/// The columns selected as `<prefix><name>`, so a row's columns can sit beside another table's
/// of the same names (decode them with `SQLRowDecoder(prefix:)`).
func prefixedColumnList(_ names: [String], prefix: String, of alias: String?) -> String {
    names.map { (alias.map { "\($0)." } ?? "") + $0 + " AS " + prefix + $0 }.joined(separator: ", ")
}
