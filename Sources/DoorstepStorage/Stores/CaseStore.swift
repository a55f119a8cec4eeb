import DoorstepCore
import Foundation

/// Customers' problem reports (cases) and their resolution.
public protocol CaseStore: Sendable {
    /// Records a customer's problem report and its event, in one transaction.
    /// Records the report with its events while the delivery has fewer than `maxOpen` open
    /// reports (counted and inserted atomically); false, and nothing written, otherwise.
    func addProblemReport(_ report: ProblemReport, events: [OutboxEvent], maxOpen: Int) async throws -> Bool
    func problemReports(deliveryID: String) async throws -> [ProblemReport]
    /// A tenant's cases, newest first, of `assignee` (anyone's, nobody's, one operator's).
    func problemReports(tenantID: String, openOnly: Bool, assignee: CaseAssignee, limit: Int) async throws -> [ProblemReport]
    func problemReport(id: String, tenantID: String) async throws -> ProblemReport?
    /// Closes a case once, with its event. False when it was already resolved.
    func resolveProblemReport(id: String, resolution: String, at: Date, events: [OutboxEvent]) async throws -> Bool
    /// Gives an open case to an operator, or to nobody (nil). False when the case is resolved.
    func assignProblemReport(id: String, tenantID: String, operatorID: String?) async throws -> Bool
    /// Adds a note while the case has fewer than `maxPerCase` (counted and inserted atomically);
    /// false, and nothing written, otherwise. Throws `conflict` when the case's delivery was erased.
    func addCaseNote(_ note: CaseNote, maxPerCase: Int) async throws -> Bool
    /// A case's notes, oldest first.
    func caseNotes(caseID: String, tenantID: String) async throws -> [CaseNote]
}
