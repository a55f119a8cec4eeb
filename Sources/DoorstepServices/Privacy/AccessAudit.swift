import DoorstepCore
import DoorstepStorage
import Foundation

/// The access log: who looked at or acted on a delivery's photos, and when. Customers read it on
/// their page; operators export it.
public struct AccessAudit: Sendable {
    let store: any PrivacyStore
    let effects: Effects

    public init(store: any PrivacyStore, effects: Effects) {
        self.store = store
        self.effects = effects
    }

    public func record(
        _ action: AccessEvent.Action, tenantID: String, deliveryID: String?, photoID: String?, by actor: AccessEvent.Actor, actorID: String?
    ) async throws {
        try await store.recordAccess(event(action, tenantID: tenantID, deliveryID: deliveryID, photoID: photoID, by: actor, actorID: actorID))
    }

    /// The entry for an action taken now, for a caller that records it in its own transaction.
    public func event(
        _ action: AccessEvent.Action, tenantID: String, deliveryID: String?, photoID: String?, by actor: AccessEvent.Actor, actorID: String?
    ) -> AccessEvent {
        AccessEvent(
            id: effects.newID(), tenantID: tenantID, deliveryID: deliveryID, photoID: photoID,
            actor: actor, actorID: actorID, action: action, at: effects.now())
    }
}
