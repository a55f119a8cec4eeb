import DoorstepCore
import Foundation
import Synchronization

/// Fan-out of committed events to open pages in this process: a customer's delivery page, a
/// tenant's dashboard stream. Other servers' events arrive through `LiveEventRelay`.
public final class LiveEvents: Sendable {
    private let subscribers = Mutex<[UUID: (topic: String, continuation: AsyncStream<OutboxEvent>.Continuation)]>([:])

    /// Tells this process's broadcasts from others'.
    public let processID = UUID().uuidString

    public init() {}

    public static func deliveryTopic(_ id: String) -> String { "delivery:\(id)" }
    public static func tenantTopic(_ id: String) -> String { "tenant:\(id)" }

    public func subscribe(_ topic: String) -> AsyncStream<OutboxEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: OutboxEvent.self, bufferingPolicy: .bufferingNewest(64))
        let id = UUID()
        subscribers.withLock { $0[id] = (topic, continuation) }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        return stream
    }

    public func publish(_ events: [OutboxEvent]) {
        let targets = subscribers.withLock { Array($0.values) }
        for event in events {
            let topics = [Self.tenantTopic(event.tenantID)] + (event.deliveryID.map { [Self.deliveryTopic($0)] } ?? [])
            for subscriber in targets where topics.contains(subscriber.topic) {
                subscriber.continuation.yield(event)
            }
        }
    }
}

/// Wakes the outbox worker as soon as something is committed, so a message waits for no poll.
public final class OutboxSignal: Sendable {
    private let state = Mutex<(pending: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    public init() {}

    public func notify() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns at the next `notify` (or at once if one came since the last wait), or after `timeout`.
    /// One waiter at a time (the process's outbox worker).
    public func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in
                        let resumeNow = state.withLock { state -> Bool in
                            // Already told, or already cancelled (the handler below ran first): don't wait.
                            if state.pending || Task.isCancelled {
                                state.pending = false
                                return true
                            }
                            state.waiter = continuation
                            return false
                        }
                        if resumeNow { continuation.resume() }
                    }
                } onCancel: {
                    self.notifyWaiterOnly()
                }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func notifyWaiterOnly() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}

import DoorstepStorage
import Logging
import ServiceLifecycle

/// Relays other servers' events into this one (PostgreSQL LISTEN/NOTIFY): a customer page open on
/// this server hears a delivery recorded by another, and this outbox worker wakes for its work.
/// Reconnects after a failure; does nothing on the embedded SQLite database.
public struct LiveEventRelay: Service {
    let bus: any BroadcastStore
    let live: LiveEvents
    let signal: OutboxSignal
    let logger: Logger

    public init(bus: any BroadcastStore, live: LiveEvents, signal: OutboxSignal, logger: Logger) {
        self.bus = bus
        self.live = live
        self.signal = signal
        self.logger = logger
    }

    public func run() async throws {
        let live = self.live, signal = self.signal
        while !Task.isCancelledOrShuttingDown {
            do {
                try await cancelWhenGracefulShutdown {
                    try await bus.listen { message in
                        guard let broadcast = try? JSONDecoder().decode(Broadcast.self, from: Data(message.utf8)),
                              broadcast.origin != live.processID
                        else { return }
                        live.publish(broadcast.events)
                        signal.notify()
                    }
                }
                if !bus.isShared { return }
            } catch {
                logger.warning("live event relay lost its connection; reconnecting", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
        }
    }
}
