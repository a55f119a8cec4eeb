import DoorstepCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

/// A dead letter sent again from the endpoint's delivery log, once the receiving system is fixed.
@Suite struct WebhookReplayTests {
    @Test func aDeadLetterGoesBackToPendingOnceAndOnlyForItsOwnEndpoint() async throws {
        try await TestApp.run(configure: { $0.outboxWorker = false }) { app in
            let endpoint = try await app.services.webhookEndpoints.create(url: "https://hooks.example.com/a", eventTypes: [], for: app.tenant)
            let other = try await app.services.webhookEndpoints.create(url: "https://hooks.example.com/b", eventTypes: [], for: app.tenant)
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                _ = try await client.execute(uri: "/api/v1/deliveries/\(delivery.id)/out-for-delivery", method: .post, headers: app.apiHeaders)
                let message = try #require(try await app.services.store.outboxMessages(state: nil, endpointID: endpoint.id, limit: 10).first)
                let path = "/api/v1/webhooks/\(endpoint.id)/deliveries/\(message.id)/replay"
                // Pending: nothing to send again yet.
                #expect(try await client.execute(uri: path, method: .post, headers: app.apiHeaders).status == .conflict)

                for _ in 0..<3 { try await app.services.store.failOutboxMessage(id: message.id, error: "HTTP 500", retryAt: app.clock.now) }
                try await app.services.store.failOutboxMessage(id: message.id, error: "HTTP 503", retryAt: nil)
                let log = try await client.execute(uri: "/api/v1/webhooks/\(endpoint.id)/deliveries", method: .get, headers: app.apiHeaders)
                let entries = try #require(try log.json()["items"] as? [[String: Any]])
                #expect(entries.first { $0["id"] as? String == message.id }?["state"] as? String == "dead")

                // Support staff may not; another endpoint's path does not reach it; nor does a made-up id.
                let support = try await app.operatorSignIn(.support)
                let refused = try await client.execute(uri: path, method: .post, headers: TestApp.consoleHeaders(try await support.session()))
                #expect(refused.status == .forbidden)
                #expect(try await client.execute(uri: "/api/v1/webhooks/\(other.id)/deliveries/\(message.id)/replay", method: .post,
                                                 headers: app.apiHeaders).status == .notFound)
                #expect(try await client.execute(uri: "/api/v1/webhooks/\(endpoint.id)/deliveries/nope/replay", method: .post,
                                                 headers: app.apiHeaders).status == .notFound)
                #expect(try await app.services.store.outboxMessages(state: .dead, endpointID: endpoint.id, limit: 10).map(\.id) == [message.id])

                let replayed = try await client.execute(uri: path, method: .post, headers: app.apiHeaders)
                #expect(replayed.status == .ok, "\(replayed.text)")
                let entry = try replayed.json()
                #expect(entry["state"] as? String == "pending" && entry["attempts"] as? Int == 0 && entry["id"] as? String == message.id)
                let pending = try await app.services.store.outboxMessages(state: .pending, endpointID: endpoint.id, limit: 10)
                let due = try #require(pending.first?.nextAttemptAt)
                #expect(pending.map(\.id) == [message.id] && abs(due.timeIntervalSince(app.clock.now)) < 0.002)
                // Once is enough: it is pending again, not dead.
                #expect(try await client.execute(uri: path, method: .post, headers: app.apiHeaders).status == .conflict)
            }
        }
    }
}
