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
    let store: any OutboxStore
    let email: EmailChannel
    let sms: SMSChannel
    let webhooks: WebhookChannel
    let signal: OutboxSignal
    /// How long a claimed message is this process's before another may take it over.
    let lease: TimeInterval
    /// Messages sent at once by one process.
    let concurrency: Int
    let retry: RetryPolicy
    let metrics: AppMetrics
    let effects: Effects
    let logger: Logger

    public init(
        store: any OutboxStore, email: EmailChannel, sms: SMSChannel, webhooks: WebhookChannel, signal: OutboxSignal, lease: TimeInterval,
        concurrency: Int, retry: RetryPolicy, metrics: AppMetrics, effects: Effects, logger: Logger
    ) {
        self.store = store
        self.email = email
        self.sms = sms
        self.webhooks = webhooks
        self.signal = signal
        self.lease = lease
        self.concurrency = concurrency
        self.retry = retry
        self.metrics = metrics
        self.effects = effects
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelledOrShuttingDown {
            let sent = await runOnce()
            if sent == 0 {
                await cancelWhenGracefulShutdown { await signal.wait(timeout: .seconds(1)) }
            }
        }
    }

    /// Claims and delivers one batch; returns how many messages it handled.
    @discardableResult
    public func runOnce() async -> Int {
        let now = effects.now()
        let messages: [OutboxMessage]
        do {
            messages = try await store.claimOutboxMessages(
                now: now, leaseUntil: now.addingTimeInterval(lease), limit: concurrency)
        } catch {
            logger.error("outbox claim failed", metadata: ["error": "\(error)"])
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
            case .email: try await email.send(message)
            case .sms: try await sms.send(message)
            case .webhook: try await webhooks.send(message)
            }
            try await store.completeOutboxMessage(id: message.id, at: effects.now())
            metrics.outboxAttempt(channel: message.channel.rawValue, outcome: "delivered")
        } catch {
            let permanent = (error as? DeliveryFailure)?.permanent ?? false
            let delay = permanent ? nil : retry.delay(afterAttempts: message.attempts, unit: Double.random(in: 0..<1))
            let reason = (error as? DeliveryFailure)?.reason ?? "\(type(of: error))"
            logger.warning("outbox delivery failed", metadata: [
                "message": "\(message.id)", "channel": "\(message.channel.rawValue)", "attempt": "\(message.attempts)",
                "reason": "\(reason)", "dead": "\(delay == nil)",
            ])
            metrics.outboxAttempt(channel: message.channel.rawValue, outcome: delay == nil ? "dead" : "retry")
            try? await store.failOutboxMessage(
                id: message.id, error: reason, retryAt: delay.map { effects.now().addingTimeInterval($0) })
        }
    }
}

/// Why a message was not delivered, in words safe for logs and the tenant's delivery log.
struct DeliveryFailure: Error {
    var reason: String
    var permanent = false
}
