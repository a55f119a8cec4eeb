import DoorstepCore
import Foundation
import SQLKit

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

    public func ping() async throws {
        _ = try await source.withConnection { db in try await db.raw("SELECT 1 AS ok").first() != nil }
    }

    public func shutdown() async throws {
        try await source.shutdown()
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

let snakeCase = SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase)

/// "a.x, a.y" for a select list; the names are our own constants, never input.
func columnList(_ names: [String], of alias: String?) -> String {
    names.map { (alias.map { "\($0)." } ?? "") + $0 }.joined(separator: ", ")
}
