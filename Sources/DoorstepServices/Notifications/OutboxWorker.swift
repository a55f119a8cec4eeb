import AsyncHTTPClient
import DoorstepCore
import DoorstepNotify
import DoorstepStorage
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Delivers the outbox at least once: claims due messages under a lease, sends them, and records
/// the outcome; a failure is retried with exponential backoff and jitter, then dead-lettered.
/// Any number of processes may run it; each message is claimed by one at a time.
///
/// Each message is sent on its own: a slot that frees is filled at once, never held until a whole
/// batch is done, and one tenant has at most `webhooksPerTenant` webhook sends in flight in this
/// process, so a tenant's slow receiver (each send may take the whole webhook timeout) takes that
/// many slots, not all of them, and other tenants' messages and the recipients' emails go on.
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
    /// Webhook sends of one tenant in flight at once in this process.
    let webhooksPerTenant: Int
    let retry: RetryPolicy
    let metrics: AppMetrics
    let effects: Effects
    let logger: Logger

    public init(
        store: any OutboxStore, email: EmailChannel, sms: SMSChannel, webhooks: WebhookChannel, signal: OutboxSignal, lease: TimeInterval,
        concurrency: Int, webhooksPerTenant: Int, retry: RetryPolicy, metrics: AppMetrics, effects: Effects, logger: Logger
    ) {
        self.store = store
        self.email = email
        self.sms = sms
        self.webhooks = webhooks
        self.signal = signal
        self.lease = lease
        self.concurrency = concurrency
        self.webhooksPerTenant = webhooksPerTenant
        self.retry = retry
        self.metrics = metrics
        self.effects = effects
        self.logger = logger
    }

    public func run() async throws {
        let inFlight = InFlight()
        // On shutdown the loop stops claiming and the group waits for the sends under way.
        await withDiscardingTaskGroup { group in
            while !Task.isCancelledOrShuttingDown {
                let free = concurrency - inFlight.count
                let started = free > 0 ? await claim(free, inFlight) : []
                for message in started {
                    group.addTask {
                        await deliver(message)
                        inFlight.finish(message)
                        signal.notify()  // a slot is free: claim again
                    }
                }
                if started.isEmpty {
                    await cancelWhenGracefulShutdown { await signal.wait(timeout: .seconds(1)) }
                }
            }
        }
    }

    /// Claims up to `limit` due messages and counts them in flight; webhook messages past their
    /// tenant's cap (a claim can bring several of one tenant) go back unsent.
    private func claim(_ limit: Int, _ inFlight: InFlight) async -> [OutboxMessage] {
        let now = effects.now()
        let claimed: [OutboxMessage]
        do {
            claimed = try await store.claimOutboxMessages(
                now: now, leaseUntil: now.addingTimeInterval(lease), limit: limit,
                skippingWebhooksOf: inFlight.tenantsAtCap(webhooksPerTenant))
        } catch {
            logger.error("outbox claim failed", metadata: ["error": "\(error)"])
            return []
        }
        var started: [OutboxMessage] = []
        for message in claimed {
            if inFlight.start(message, webhooksPerTenant: webhooksPerTenant) {
                started.append(message)
            } else {
                try? await store.releaseOutboxMessage(id: message.id)
            }
        }
        return started
    }

    /// Claims and delivers one batch, waiting for all of it (tests, tools); returns how many
    /// messages it handled. The same claim as `run`, per-tenant cap included.
    @discardableResult
    public func runOnce() async -> Int {
        let messages = await claim(concurrency, InFlight())
        await withTaskGroup(of: Void.self) { group in
            for message in messages {
                group.addTask { await deliver(message) }
            }
        }
        return messages.count
    }

    func deliver(_ message: OutboxMessage) async {
        // Claimed more often than the policy allows tries: the sends before ended without an
        // outcome recorded (a worker that died mid-send, a store that would not record a send).
        // Dead-lettered, where the dashboard shows it and an operator can replay it, rather than
        // sent again at every lease without end (an email or text has no id a person can drop).
        if message.attempts > retry.maxAttempts {
            logger.warning("outbox message dead: no outcome recorded", metadata: [
                "message": "\(message.id)", "channel": "\(message.channel.rawValue)", "attempt": "\(message.attempts)",
            ])
            metrics.outboxAttempt(channel: message.channel.rawValue, outcome: "dead")
            try? await store.failOutboxMessage(
                id: message.id, error: "no outcome recorded after \(message.attempts - 1) attempts", retryAt: nil)
            return
        }
        do {
            switch message.channel {
            case .email: try await email.send(message)
            case .sms: try await sms.send(message)
            case .webhook: try await webhooks.send(message)
            }
        } catch {
            // Cancelled (a hard stop): not the receiver's failure. The lease runs out and the
            // message is sent again, its attempt not held against it as a failure.
            if Task.isCancelled { return }
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
            return
        }
        metrics.outboxAttempt(channel: message.channel.rawValue, outcome: "delivered")
        await recordSent(message)
    }

    /// Marks a sent message done. Its failure is not the send's: recorded as one, it would count an
    /// attempt against a receiver that answered and schedule the message again within seconds. A
    /// store that stays unreachable leaves the message claimed, and it is sent again when its lease
    /// runs out (at least once: webhooks carry `webhook-id` for a receiver to drop a repeat), until
    /// the tries run out (`deliver`). In a task of its own, which does not inherit cancellation: a
    /// worker made to stop mid-send still records it, pauses included, as the store's queues
    /// turn a cancelled caller away at once.
    func recordSent(_ message: OutboxMessage) async {
        await Task { await recordSentNow(message) }.value
    }

    private func recordSentNow(_ message: OutboxMessage) async {
        for attempt in 1...Self.recordAttempts {
            do {
                try await store.completeOutboxMessage(id: message.id, at: effects.now())
                return
            } catch {
                // Tried again after a pause, even when stopping: one more write beats a repeat.
                let last = attempt == Self.recordAttempts
                logger.log(level: last ? .error : .warning, "outbox message sent but not recorded as sent", metadata: [
                    "message": "\(message.id)", "channel": "\(message.channel.rawValue)", "attempt": "\(attempt)",
                    "error": "\(type(of: error))", "again": "\(!last)",
                ])
                if !last { try? await Task.sleep(for: .milliseconds(250 * attempt)) }
            }
        }
    }

    /// Tries at recording a send, a quarter second more apart each time: a store that is busy for
    /// a moment (a failover, another process's write) is waited out. Each try may itself wait the
    /// store's own timeout.
    static let recordAttempts = 3
}

/// The sends under way in this process: how many, and how many webhooks per tenant.
final class InFlight: Sendable {
    private let state = Mutex<(count: Int, webhooks: [String: Int])>((0, [:]))

    var count: Int { state.withLock { $0.count } }

    func tenantsAtCap(_ cap: Int) -> Set<String> {
        state.withLock { Set($0.webhooks.filter { $0.value >= cap }.keys) }
    }

    /// Counts `message` in, unless it is a webhook of a tenant already at `webhooksPerTenant`.
    func start(_ message: OutboxMessage, webhooksPerTenant: Int) -> Bool {
        state.withLock { state in
            if message.channel == .webhook {
                let tenant = message.event.tenantID
                guard state.webhooks[tenant, default: 0] < webhooksPerTenant else { return false }
                state.webhooks[tenant, default: 0] += 1
            }
            state.count += 1
            return true
        }
    }

    func finish(_ message: OutboxMessage) {
        state.withLock { state in
            state.count -= 1
            guard message.channel == .webhook else { return }
            let tenant = message.event.tenantID
            let left = state.webhooks[tenant, default: 1] - 1
            state.webhooks[tenant] = left > 0 ? left : nil
        }
    }
}

/// Why a message was not delivered, in words safe for logs and the tenant's delivery log.
struct DeliveryFailure: Error {
    var reason: String
    var permanent = false

    /// A webhook receiver that did not resolve, refused, reset or did not answer in time: all
    /// said the same way, in the delivery log and by `/test` alike.
    static let noAnswer = DeliveryFailure(reason: "no answer from the receiver (its name did not resolve, the connection failed, or no complete answer in time)")
}
