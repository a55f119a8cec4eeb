import DoorstepCore
import Foundation
import Testing

@testable import DoorstepStorage

/// The outbox half of the store contract.
@Suite struct OutboxStoreContractTests {
    func endpoint(_ tenantID: String, types: [EventType] = []) -> WebhookEndpoint {
        WebhookEndpoint(id: Seed.id(), tenantID: tenantID, url: "http://127.0.0.1:9/hook", secret: "whsec_AAAA", eventTypes: types,
                        createdAt: Date(timeIntervalSince1970: 1_800_000_000))
    }

    func event(_ type: EventType, _ delivery: Delivery, at: Date) -> OutboxEvent {
        OutboxEvent(id: Seed.id(), tenantID: delivery.tenantID, type: type, deliveryID: delivery.id, photoID: nil, occurredAt: at)
    }

    @Test(arguments: StoreEngine.allCases)
    func eventsFanOutToTheRecipientAndSubscribedEndpointsInThePhotosTransaction(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let (courier, delivery) = try await seed.assignedDelivery()
            let all = endpoint(delivery.tenantID), deletions = endpoint(delivery.tenantID, types: [.photoDeleted])
            _ = try await seed.store.createWebhookEndpoint(all, upTo: 20)
            _ = try await seed.store.createWebhookEndpoint(deletions, upTo: 20)
            #expect(try await seed.store.webhookEndpoints(tenantID: delivery.tenantID).count == 2)

            let photo = seed.photo(for: delivery, courier: courier)
            let delivered = event(.delivered, delivery, at: seed.clock)
            _ = try await seed.store.recordPhoto(photo, idempotency: nil, events: [delivered])
            let messages = try await seed.store.outboxMessages(state: .pending, endpointID: nil, limit: 10)
            #expect(Set(messages.map(\.channel)) == [.email, .webhook])
            #expect(messages.filter { $0.channel == .webhook }.map(\.endpointID) == [all.id])
            #expect(messages.allSatisfy { $0.event == delivered })

            // A duplicate upload enqueues nothing; a failed one neither.
            let claim = IdempotencyClaim(courierID: courier.id, key: "k", fingerprint: "f", photoID: photo.id)
            _ = try await seed.store.recordPhoto(seed.photo(for: delivery, courier: courier), idempotency: claim, events: [])
            _ = try await seed.store.recordPhoto(seed.photo(for: delivery, courier: courier), idempotency: claim,
                                                 events: [event(.delivered, delivery, at: seed.clock)])
            #expect(try await seed.store.outboxMessages(state: nil, endpointID: nil, limit: 10).count == 2)

            _ = try await seed.store.deletePhoto(id: photo.id, reason: .system, at: seed.clock, events: [event(.photoDeleted, delivery, at: seed.clock)])
            #expect(try await seed.store.outboxMessages(state: nil, endpointID: deletions.id, limit: 10).count == 0)
            #expect(try await seed.store.outboxMessages(state: nil, endpointID: all.id, limit: 10).count == 1)
        }
    }

    /// A tenant at its cap of webhook sends has its webhooks left for later, not its recipients'
    /// emails nor other tenants' webhooks; a message given back is claimed again as if new.
    @Test(arguments: StoreEngine.allCases)
    func webhooksOfBusyTenantsAreSkippedAndReleasedMessagesComeBack(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let (courier, delivery) = try await seed.assignedDelivery()
            _ = try await seed.store.createWebhookEndpoint(endpoint(delivery.tenantID), upTo: 20)
            let now = seed.clock
            _ = try await seed.store.recordPhoto(seed.photo(for: delivery, courier: courier), idempotency: nil, events: [event(.delivered, delivery, at: now)])
            let lease = now.addingTimeInterval(60)
            let skipping = try await seed.store.claimOutboxMessages(now: now, leaseUntil: lease, limit: 10, skippingWebhooksOf: [delivery.tenantID, "other"])
            #expect(skipping.map(\.channel) == [.email])
            let others = try await seed.store.claimOutboxMessages(now: now, leaseUntil: lease, limit: 10, skippingWebhooksOf: ["other"])
            #expect(others.map(\.channel) == [.webhook] && others[0].attempts == 1)
            try await seed.store.releaseOutboxMessage(id: others[0].id)
            let again = try await seed.store.claimOutboxMessages(now: now, leaseUntil: lease, limit: 10)
            #expect(again.map(\.id) == others.map(\.id) && again[0].attempts == 1, "released: claimable at once, the attempt not counted")
        }
    }

    @Test(arguments: StoreEngine.allCases)
    func aClaimIsALeaseAndOutcomesAreRecorded(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let (_, delivery) = try await seed.assignedDelivery()
            _ = try await seed.store.createWebhookEndpoint(endpoint(delivery.tenantID), upTo: 20)
            let now = seed.clock
            try await seed.store.enqueue([event(.photoDeleted, delivery, at: now)])
            let first = try await seed.store.claimOutboxMessages(now: now, leaseUntil: now.addingTimeInterval(60), limit: 10)
            #expect(first.count == 1 && first[0].attempts == 1)
            #expect(try await seed.store.claimOutboxMessages(now: now.addingTimeInterval(30), leaseUntil: now.addingTimeInterval(90), limit: 10).isEmpty)
            // The claimer died: after the lease, another takes it over.
            let again = try await seed.store.claimOutboxMessages(now: now.addingTimeInterval(61), leaseUntil: now.addingTimeInterval(121), limit: 10)
            #expect(again.map(\.id) == first.map(\.id) && again[0].attempts == 2)

            try await seed.store.failOutboxMessage(id: again[0].id, error: "HTTP 500", retryAt: now.addingTimeInterval(200))
            #expect(try await seed.store.claimOutboxMessages(now: now.addingTimeInterval(199), leaseUntil: now.addingTimeInterval(300), limit: 10).isEmpty)
            let third = try await seed.store.claimOutboxMessages(now: now.addingTimeInterval(200), leaseUntil: now.addingTimeInterval(300), limit: 10)
            #expect(third.count == 1 && third[0].lastError == "HTTP 500")
            try await seed.store.failOutboxMessage(id: third[0].id, error: "HTTP 500", retryAt: nil)
            #expect(try await seed.store.outboxMessages(state: .dead, endpointID: nil, limit: 10).map(\.id) == [third[0].id])
            #expect(try await seed.store.replayOutboxMessage(id: third[0].id, endpointID: nil, at: now.addingTimeInterval(400)))
            #expect(try await !seed.store.replayOutboxMessage(id: third[0].id, endpointID: nil, at: now.addingTimeInterval(400)))
            // Scoped to an endpoint, a message of no endpoint (an email) is not found; read by id, it is pending again.
            #expect(try await !seed.store.replayOutboxMessage(id: third[0].id, endpointID: Seed.id(), at: now.addingTimeInterval(400)))
            let reread = try await seed.store.outboxMessage(id: third[0].id)
            #expect(reread?.state == .pending && reread?.attempts == 0 && reread?.lastError == "HTTP 500")
            #expect(try await seed.store.outboxMessage(id: Seed.id()) == nil)
            let replayed = try await seed.store.claimOutboxMessages(now: now.addingTimeInterval(400), leaseUntil: now.addingTimeInterval(500), limit: 10)
            #expect(replayed.count == 1 && replayed[0].attempts == 1)
            try await seed.store.completeOutboxMessage(id: replayed[0].id, at: now.addingTimeInterval(401))
            let done = try await seed.store.outboxMessages(state: .done, endpointID: nil, limit: 10)
            #expect(done.count == 1 && done[0].sentAt != nil && done[0].lastError == nil)
        }
    }

    @Test(arguments: StoreEngine.allCases)
    func concurrentClaimersNeverShareAMessage(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let (_, delivery) = try await seed.assignedDelivery()
            _ = try await seed.store.createWebhookEndpoint(endpoint(delivery.tenantID), upTo: 20)
            try await seed.store.enqueue((0..<40).map { _ in event(.photoDeleted, delivery, at: seed.clock) })
            let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        var mine: [String] = []
                        while true {
                            let batch = try await seed.store.claimOutboxMessages(now: seed.clock, leaseUntil: seed.clock.addingTimeInterval(60), limit: 3)
                            if batch.isEmpty { return mine }
                            mine += batch.map(\.id)
                        }
                    }
                }
                return try await group.reduce(into: [String]()) { $0 += $1 }
            }
            #expect(claimed.count == 40 && Set(claimed).count == 40)
        }
    }

    @Test(arguments: StoreEngine.allCases)
    func webhookSecretsRotateAndEndpointsGo(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let tenant = try await seed.tenant()
            let hook = endpoint(tenant.id, types: [.delivered, .optedOut])
            _ = try await seed.store.createWebhookEndpoint(hook, upTo: 20)
            #expect(try await seed.store.webhookEndpoint(id: hook.id) == hook)
            try await seed.store.rotateWebhookSecret(id: hook.id, newSecret: "whsec_BBBB", previousValidUntil: seed.clock)
            let rotated = try #require(try await seed.store.webhookEndpoint(id: hook.id))
            #expect(rotated.secret == "whsec_BBBB" && rotated.previousSecret == "whsec_AAAA" && rotated.previousSecretUntil == seed.clock)
            try await seed.store.deleteWebhookEndpoint(id: hook.id, at: seed.clock)
            #expect(try await seed.store.webhookEndpoint(id: hook.id) == nil)
            #expect(try await seed.store.webhookEndpoints(tenantID: tenant.id).isEmpty)
        }
    }
}
