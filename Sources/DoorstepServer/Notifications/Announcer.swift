import DoorstepCore
import Foundation

/// Makes events and, once their transaction has committed, tells this process: open pages hear
/// at once, and the outbox worker wakes up.
public struct Announcer: Sendable {
    let dependencies: AppDependencies

    public func event(_ type: EventType, tenantID: String, deliveryID: String?, photoID: String? = nil) -> OutboxEvent {
        OutboxEvent(id: dependencies.effects.newID(), tenantID: tenantID, type: type, deliveryID: deliveryID, photoID: photoID,
                    occurredAt: dependencies.effects.now())
    }

    public func committed(_ events: [OutboxEvent]) {
        guard !events.isEmpty else { return }
        dependencies.live.publish(events)
        dependencies.outboxSignal.notify()
    }
}
