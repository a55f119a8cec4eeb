import DoorstepCore
import Foundation

/// Customers' problem reports (cases) and their resolution.
public protocol CaseStore: Sendable {
    /// Records a customer's problem report and its event, in one transaction.
    /// Records the report with its events while the delivery has fewer than `maxOpen` open
    /// reports (counted and inserted atomically); false, and nothing written, otherwise.
    func addProblemReport(_ report: ProblemReport, events: [OutboxEvent], maxOpen: Int) async throws -> Bool
    func problemReports(deliveryID: String) async throws -> [ProblemReport]
    /// A tenant's cases, newest first.
    func problemReports(tenantID: String, openOnly: Bool, limit: Int) async throws -> [ProblemReport]
    func problemReport(id: String, tenantID: String) async throws -> ProblemReport?
    /// Closes a case once, with its event. False when it was already resolved.
    func resolveProblemReport(id: String, resolution: String, at: Date, events: [OutboxEvent]) async throws -> Bool
}
