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

    public func committed(_ events: [OutboxEvent]) async {
        guard !events.isEmpty else { return }
        dependencies.live.publish(events)
        dependencies.outboxSignal.notify()
        // Other servers on the same database hear it too (their pages, their outbox workers).
        guard dependencies.store.isShared else { return }
        do {
            let message = try JSONEncoder().encode(Broadcast(origin: dependencies.live.processID, events: events))
            try await dependencies.store.broadcast(String(decoding: message, as: UTF8.self))
        } catch {
            dependencies.logger.warning("live event broadcast failed", metadata: ["error": "\(error)"])
        }
    }
}

/// What one server tells the others: events it committed, and who it is (to skip its own echo).
struct Broadcast: Codable {
    var origin: String
    var events: [OutboxEvent]
}
