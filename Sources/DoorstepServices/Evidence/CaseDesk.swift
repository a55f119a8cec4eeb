import DoorstepCore
import DoorstepStorage
import Foundation

/// How a tenant's staff work their cases together: whose a case is, and what each of them noted
/// on it (`CaseNote`). Resolving a case, and the evidence beside it, are `EvidenceService`'s.
public struct CaseDesk: Sendable {
    /// A case is worked over days, not years: a script cannot fill a table through one.
    public static let maxNotesPerCase = 200
    public static let maxNoteLength = 2000
    /// A desk lists this many cases, newest first.
    public static let listLength = 200

    let store: any CaseStore & OperatorStore & AccountStore
    let effects: Effects

    public init(store: any CaseStore & OperatorStore & AccountStore, effects: Effects) {
        self.store = store
        self.effects = effects
    }

    /// The tenant's cases, newest first (open ones only unless `openOnly` is false), of whoever
    /// `assignee` names.
    public func cases(of tenant: Tenant, openOnly: Bool, assignee: CaseAssignee) async throws -> [ProblemReport] {
        if case .someone(let id) = assignee, !Identifier.isValid(id) { return [] }
        return try await store.problemReports(tenantID: tenant.id, openOnly: openOnly, assignee: assignee, limit: Self.listLength)
    }

    /// Gives an open case to one of the tenant's active operators, or to nobody (nil).
    public func assign(caseID: String, to operatorID: String?, tenant: Tenant) async throws -> ProblemReport {
        let report = try await existingCase(caseID, tenant: tenant)
        if let operatorID {
            let active = try await store.operators(tenantID: tenant.id).contains { $0.account.id == operatorID && $0.disabledAt == nil }
            guard active else { throw DoorstepError.invalidInput(field: "operator_id", reason: "is not an active operator of this tenant") }
        }
        guard report.isOpen, try await store.assignProblemReport(id: report.id, tenantID: tenant.id, operatorID: operatorID) else {
            throw DoorstepError.conflict(reason: "this case is resolved")
        }
        return try await store.problemReport(id: report.id, tenantID: tenant.id) ?? report
    }

    /// Adds a note by an operator or an API key. A resolved case takes notes too (what happened
    /// after, for the record); a case whose customer's data was erased does not (`conflict`):
    /// erasure took the notes with it, and one written after would outlive it.
    public func addNote(caseID: String, text: String, by author: AccessEvent.Actor, authorID: String, tenant: Tenant) async throws -> CaseNote {
        let body = try Validate.text(text, field: "text", max: Self.maxNoteLength)
        let report = try await existingCase(caseID, tenant: tenant)
        let note = CaseNote(
            id: effects.newID(), tenantID: tenant.id, caseID: report.id, author: author, authorID: authorID, text: body, createdAt: effects.now())
        guard try await store.addCaseNote(note, maxPerCase: Self.maxNotesPerCase) else {
            throw DoorstepError.limitReached(resource: "notes per case", limit: Self.maxNotesPerCase)
        }
        return note
    }

    /// A case's notes, oldest first.
    public func notes(caseID: String, tenant: Tenant) async throws -> [CaseNote] {
        try await store.caseNotes(caseID: try await existingCase(caseID, tenant: tenant).id, tenantID: tenant.id)
    }

    /// Names for the assignees and authors of a page of cases or notes.
    public func names(tenantID: String) async throws -> ActorNames {
        try await ActorNames.of(tenantID: tenantID, in: store)
    }

    /// The tenant's case by id, open or not; 404 for a malformed id or another tenant's case.
    private func existingCase(_ id: String, tenant: Tenant) async throws -> ProblemReport {
        guard Identifier.isValid(id), let report = try await store.problemReport(id: id, tenantID: tenant.id) else { throw DoorstepError.notFound }
        return report
    }
}
