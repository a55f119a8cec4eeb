import DoorstepCore
import Foundation

/// Customers' problem reports (cases) and their resolution.
public protocol CaseStore: Sendable {
    /// Records a customer's problem report and its event, in one transaction.
    func addProblemReport(_ report: ProblemReport, events: [OutboxEvent]) async throws
    func problemReports(deliveryID: String) async throws -> [ProblemReport]
    /// A tenant's cases, newest first.
    func problemReports(tenantID: String, openOnly: Bool, limit: Int) async throws -> [ProblemReport]
    func problemReport(id: String, tenantID: String) async throws -> ProblemReport?
    /// Closes a case once, with its event. False when it was already resolved.
    func resolveProblemReport(id: String, resolution: String, at: Date, events: [OutboxEvent]) async throws -> Bool
}
