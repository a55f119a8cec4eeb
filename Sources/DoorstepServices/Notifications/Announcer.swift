import DoorstepCore
import DoorstepStorage
import Foundation
import Logging

/// Makes events and, once their transaction has committed, tells this process: open pages hear
/// at once, and the outbox worker wakes up.
public struct Announcer: Sendable {
    let bus: any BroadcastStore
    let live: LiveEvents
    let outboxSignal: OutboxSignal
    let effects: Effects
    let logger: Logger

    public init(bus: any BroadcastStore, live: LiveEvents, outboxSignal: OutboxSignal, effects: Effects, logger: Logger) {
        self.bus = bus
        self.live = live
        self.outboxSignal = outboxSignal
        self.effects = effects
        self.logger = logger
    }

    public func event(_ type: EventType, tenantID: String, deliveryID: String?, photoID: String? = nil) -> OutboxEvent {
        OutboxEvent(id: effects.newID(), tenantID: tenantID, type: type, deliveryID: deliveryID, photoID: photoID, occurredAt: effects.now())
    }

    public func committed(_ events: [OutboxEvent]) async {
        guard !events.isEmpty else { return }
        live.publish(events)
        outboxSignal.notify()
        // Other servers on the same database hear it too (their pages, their outbox workers).
        guard bus.isShared else { return }
        do {
            let message = try JSONEncoder().encode(Broadcast(origin: live.processID, events: events))
            try await bus.broadcast(String(decoding: message, as: UTF8.self))
        } catch {
            logger.warning("live event broadcast failed", metadata: ["error": "\(error)"])
        }
    }
}

/// What one server tells the others: events it committed, and who it is (to skip its own echo).
struct Broadcast: Codable {
    var origin: String
    var events: [OutboxEvent]
}
