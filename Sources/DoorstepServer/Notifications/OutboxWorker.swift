import AsyncHTTPClient
import DoorstepCore
import DoorstepNotify
import DoorstepStorage
import Foundation
import Logging
import NIOCore
import ServiceLifecycle

/// Delivers the outbox at least once: claims due messages under a lease, sends them, and records
/// the outcome; a failure is retried with exponential backoff and jitter, then dead-lettered.
/// Any number of processes may run it; each message is claimed by one at a time.
public struct OutboxWorker: Service {
    let dependencies: AppDependencies

    public init(dependencies: AppDependencies) {
        self.dependencies = dependencies
    }

    public func run() async throws {
        while !Task.isCancelledOrShuttingDown {
            let sent = await runOnce()
            if sent == 0 {
                await cancelWhenGracefulShutdown { await dependencies.outboxSignal.wait(timeout: .seconds(1)) }
            }
        }
    }

    /// Claims and delivers one batch; returns how many messages it handled.
    @discardableResult
    public func runOnce() async -> Int {
        let configuration = dependencies.configuration
        let now = dependencies.effects.now()
        let messages: [OutboxMessage]
        do {
            messages = try await dependencies.store.claimOutboxMessages(
                now: now, leaseUntil: now.addingTimeInterval(configuration.outboxLease), limit: configuration.outboxConcurrency)
        } catch {
            dependencies.logger.error("outbox claim failed", metadata: ["error": "\(error)"])
            return 0
        }
        await withTaskGroup(of: Void.self) { group in
            for message in messages {
                group.addTask { await deliver(message) }
            }
        }
        return messages.count
    }

    func deliver(_ message: OutboxMessage) async {
        do {
            switch message.channel {
            case .email: try await EmailChannel(dependencies: dependencies).send(message)
            case .webhook: try await WebhookChannel(dependencies: dependencies).send(message)
            }
            try await dependencies.store.completeOutboxMessage(id: message.id, at: dependencies.effects.now())
            dependencies.metrics.outboxAttempt(channel: message.channel.rawValue, outcome: "delivered")
        } catch {
            let permanent = (error as? DeliveryFailure)?.permanent ?? false
            let delay = permanent ? nil : dependencies.configuration.retry.delay(afterAttempts: message.attempts, unit: Double.random(in: 0..<1))
            let reason = (error as? DeliveryFailure)?.reason ?? "\(type(of: error))"
            dependencies.logger.warning("outbox delivery failed", metadata: [
                "message": "\(message.id)", "channel": "\(message.channel.rawValue)", "attempt": "\(message.attempts)",
                "reason": "\(reason)", "dead": "\(delay == nil)",
            ])
            dependencies.metrics.outboxAttempt(channel: message.channel.rawValue, outcome: delay == nil ? "dead" : "retry")
            try? await dependencies.store.failOutboxMessage(
                id: message.id, error: reason, retryAt: delay.map { dependencies.effects.now().addingTimeInterval($0) })
        }
    }
}

/// Why a message was not delivered, in words safe for logs and the tenant's delivery log.
struct DeliveryFailure: Error {
    var reason: String
    var permanent = false
}
