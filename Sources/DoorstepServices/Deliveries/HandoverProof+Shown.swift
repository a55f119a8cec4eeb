import DoorstepCore
import DoorstepStorage

extension AccountStore {
    /// The handover code as the recipient is shown it (page, out-for-delivery email and text):
    /// only where the tenant takes codes. Where it asks for a signature instead, a code read out
    /// at the door would be refused.
    func handoverCode(shownFor delivery: Delivery) async throws -> String? {
        guard let code = delivery.handoverCode else { return nil }
        return try await tenant(id: delivery.tenantID)?.settings.handoverProof == .signature ? nil : code
    }
}
