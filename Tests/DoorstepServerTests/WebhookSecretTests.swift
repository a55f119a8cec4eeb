import DoorstepCore
import DoorstepNotify
import DoorstepSecurity
import DoorstepStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

/// Webhook signing secrets are stored sealed under the key-encryption key: a copy of the database
/// alone cannot sign as the server. The plain secret is in the answer that creates or rotates it,
/// never in the database; `keys rotate` reseals every secret (and seals ones stored before), so
/// the old KEK can go.
@Suite struct WebhookSecretTests {
    @Test func secretsAreStoredSealedAndKeyRotationResealsThem() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                let created = try await client.execute(
                    uri: "/api/v1/webhooks", method: .post, headers: app.apiHeaders,
                    body: try JSONSerialization.body(["url": "http://127.0.0.1:9/hook"])).json()
                let id = try #require(created["id"] as? String), secret = try #require(created["secret"] as? String)
                #expect(secret.hasPrefix("whsec_"))
                let stored = try #require(try await app.services.store.webhookEndpoint(id: id))
                #expect(stored.secret.hasPrefix("dss1:1:") && !stored.secret.contains(secret.dropFirst(6)))
                #expect(try app.services.infrastructure.keys.open(secret: stored.secret, context: id) == secret)
                #expect(throws: (any Error).self, "bound to its endpoint") { try app.services.infrastructure.keys.open(secret: stored.secret, context: "another") }

                // An endpoint from before secrets were sealed, with a rotation under way.
                let legacy = WebhookEndpoint(
                    id: UUID().uuidString.lowercased(), tenantID: app.tenant.id, url: "http://127.0.0.1:9/old", secret: "whsec_b2xkZXI=",
                    eventTypes: [], createdAt: app.clock.now)
                #expect(try await app.services.store.createWebhookEndpoint(legacy, upTo: 20))
                try await app.services.store.rotateWebhookSecret(
                    id: legacy.id, newSecret: "whsec_bGVnYWN5", previousValidUntil: app.clock.now.addingTimeInterval(3600))

                let report = try await app.services.keyRotation.rotate(settle: .zero)
                #expect(report.retiredVersions == [1], "nothing needs the old KEK any more")
                for (endpointID, plain, previous) in [(id, secret, nil), (legacy.id, "whsec_bGVnYWN5", "whsec_b2xkZXI=")] {
                    let resealed = try #require(try await app.services.store.webhookEndpoint(id: endpointID))
                    #expect(resealed.secret.hasPrefix("dss1:2:"))
                    #expect(try app.services.infrastructure.keys.open(secret: resealed.secret, context: endpointID) == plain)
                    #expect(try resealed.previousSecret.map { try app.services.infrastructure.keys.open(secret: $0, context: endpointID) } == previous)
                }
            }
        }
    }
}
