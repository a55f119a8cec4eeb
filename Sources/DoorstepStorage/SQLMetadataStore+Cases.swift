import DoorstepCore
import Foundation
import SQLKit

extension SQLMetadataStore {
    public func addProblemReport(_ report: ProblemReport, events: [OutboxEvent], maxOpen limit: Int) async throws -> Bool {
        try await insert(underCap: limit, parent: ("deliveries", report.deliveryID), count: """
            SELECT COUNT(*) AS n FROM problem_reports WHERE delivery_id = \(bind: report.deliveryID) AND resolved_at IS NULL
              AND kind <> \(bind: ProblemReport.Kind.photoReused.rawValue)
            """) { db in
            try await db.raw("""
                INSERT INTO problem_reports (id, tenant_id, delivery_id, kind, details, created_at)
                VALUES (\(bind: report.id), \(bind: report.tenantID), \(bind: report.deliveryID), \(bind: report.kind.rawValue),
                        \(bind: report.details), \(bind: report.createdAt.epochMilliseconds))
                """).run()
            try await Self.enqueue(events, on: db)
        }
    }

    /// Opens a case Doorstep raised itself unless the delivery has one of its kind open (the
    /// photo's transaction holds the delivery's row lock by then, so concurrent uploads take
    /// turns). True when it opened one.
    static func openRaisedCase(_ report: ProblemReport, on db: any SQLDatabase) async throws -> Bool {
        try await db.insertIfAbsent("""
            INSERT INTO problem_reports (id, tenant_id, delivery_id, kind, details, created_at)
            SELECT \(bind: report.id), \(bind: report.tenantID), \(bind: report.deliveryID), \(bind: report.kind.rawValue),
                   \(bind: report.details), \(bind: report.createdAt.epochMilliseconds)
            WHERE NOT EXISTS (SELECT 1 FROM problem_reports WHERE delivery_id = \(bind: report.deliveryID)
                              AND kind = \(bind: report.kind.rawValue) AND resolved_at IS NULL)
            RETURNING 1 AS inserted
            """)
    }

    public func problemReports(deliveryID: String) async throws -> [ProblemReport] {
        try await source.withConnection { db in
            try await db.raw("""
                SELECT \(unsafeRaw: ProblemRow.columns) FROM problem_reports
                WHERE delivery_id = \(bind: deliveryID) ORDER BY created_at, id
                """).all(decoding: ProblemRow.self, with: snakeCase).map(\.report)
        }
    }

    public func problemReports(tenantID: String, openOnly: Bool, assignee: CaseAssignee, limit: Int) async throws -> [ProblemReport] {
        let whose: SQLQueryString = switch assignee {
        case .anyone: ""
        case .nobody: " AND assignee_id IS NULL"
        case .someone(let id): " AND assignee_id = \(bind: id)"
        }
        return try await source.withConnection { db in
            try await db.raw("""
                SELECT \(unsafeRaw: ProblemRow.columns) FROM problem_reports
                WHERE tenant_id = \(bind: tenantID)\(unsafeRaw: openOnly ? " AND resolved_at IS NULL" : "")\(whose)
                ORDER BY created_at DESC, id DESC LIMIT \(bind: limit)
                """).all(decoding: ProblemRow.self, with: snakeCase).map(\.report)
        }
    }

    public func problemReport(id: String, tenantID: String) async throws -> ProblemReport? {
        try await source.withConnection { db in
            try await db.raw("""
                SELECT \(unsafeRaw: ProblemRow.columns) FROM problem_reports WHERE id = \(bind: id) AND tenant_id = \(bind: tenantID)
                """).first(decoding: ProblemRow.self, with: snakeCase)?.report
        }
    }

    public func resolveProblemReport(id: String, resolution: String, at: Date, events: [OutboxEvent]) async throws -> Bool {
        try await source.withTransaction { db in
            let changed = try await db.raw("""
                UPDATE problem_reports SET resolution = \(bind: resolution), resolved_at = \(bind: at.epochMilliseconds)
                WHERE id = \(bind: id) AND resolved_at IS NULL RETURNING id
                """).first() != nil
            if changed { try await Self.enqueue(events, on: db) }
            return changed
        }
    }

    public func assignProblemReport(id: String, tenantID: String, operatorID: String?) async throws -> Bool {
        try await source.withWrite { db in
            try await db.raw("""
                UPDATE problem_reports SET assignee_id = \(bind: operatorID)
                WHERE id = \(bind: id) AND tenant_id = \(bind: tenantID) AND resolved_at IS NULL RETURNING id
                """).first() != nil
        }
    }

    public func addCaseNote(_ note: CaseNote, maxPerCase limit: Int) async throws -> Bool {
        try await insert(underCap: limit, parent: ("problem_reports", note.caseID), count: """
            SELECT COUNT(*) AS n FROM case_notes WHERE case_id = \(bind: note.caseID)
            """) { db in
            let inserted = try await db.insertIfAbsent("""
                INSERT INTO case_notes (id, tenant_id, case_id, author, author_id, body, created_at)
                SELECT \(bind: note.id), \(bind: note.tenantID), \(bind: note.caseID), \(bind: note.author.rawValue),
                       \(bind: note.authorID), \(bind: note.text), \(bind: note.createdAt.epochMilliseconds)
                WHERE NOT EXISTS (SELECT 1 FROM problem_reports r JOIN deliveries d ON d.id = r.delivery_id
                                  WHERE r.id = \(bind: note.caseID) AND d.erased_at IS NOT NULL)
                RETURNING 1 AS inserted
                """)
            guard inserted else { throw DoorstepError.conflict(reason: "the customer's data was erased: notes on their case are not kept") }
        }
    }

    public func caseNotes(caseID: String, tenantID: String) async throws -> [CaseNote] {
        try await source.withConnection { db in
            try await db.raw("""
                SELECT id, tenant_id, case_id, author, author_id, body, created_at FROM case_notes
                WHERE case_id = \(bind: caseID) AND tenant_id = \(bind: tenantID) ORDER BY created_at, id
                """).all(decoding: CaseNoteRow.self, with: snakeCase).map(\.note)
        }
    }
}

struct CaseNoteRow: Decodable {
    var id: String
    var tenantId: String
    var caseId: String
    var author: String
    var authorId: String?
    var body: String
    var createdAt: Int64

    var note: CaseNote {
        CaseNote(id: id, tenantID: tenantId, caseID: caseId, author: AccessEvent.Actor(rawValue: author) ?? .system, authorID: authorId,
                 text: body, createdAt: Date(epochMilliseconds: createdAt))
    }
}

struct ProblemRow: Decodable {
    static let columns = columnList(
        ["id", "tenant_id", "delivery_id", "kind", "details", "created_at", "resolution", "resolved_at", "assignee_id"], of: nil)
    var id: String
    var tenantId: String
    var deliveryId: String
    var kind: String
    var details: String
    var createdAt: Int64
    var resolution: String?
    var resolvedAt: Int64?
    var assigneeId: String?

    var report: ProblemReport {
        ProblemReport(id: id, tenantID: tenantId, deliveryID: deliveryId, kind: ProblemReport.Kind(rawValue: kind) ?? .other,
                      details: details, createdAt: Date(epochMilliseconds: createdAt), resolution: resolution,
                      resolvedAt: resolvedAt.map(Date.init(epochMilliseconds:)), assigneeID: assigneeId)
    }
}
