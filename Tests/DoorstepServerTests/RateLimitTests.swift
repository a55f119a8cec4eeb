import DoorstepCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

/// Issue 15's limits on what a caller can repeat: per courier, per customer link, per client
/// address (as a trusted proxy reports it, and never as anyone else does), per connection.
@Suite struct RateLimitTests {
    @Test func uploadsPastACouriersRateGet429AndAreNotRead() async throws {
        try await TestApp.run(configure: { $0.rateLimits = [.upload: RatePolicy(count: 2, per: 600)] }) { app in
            let deliveries = [try await app.delivery(), try await app.delivery(), try await app.delivery()]
            try await app.application.test(.router) { client in
                try await app.upload(deliveries[0], client: client)
                try await app.upload(deliveries[1], client: client)
                let refused = try await client.execute(
                    uri: app.uploadPath(deliveries[2]), method: .post, headers: app.courierHeaders(key: "third"), body: ByteBuffer(bytes: Photos.jpeg))
                #expect(refused.status == .tooManyRequests && refused.headers[.retryAfter] == "300")
                #expect(try refused.json()["type"] as? String == "/problems/rate-limited")
                #expect(try await app.services.store.currentPhoto(deliveryID: deliveries[2].id) == nil)
                app.clock.advance(by: 300)
                try await app.upload(deliveries[2], client: client)
            }
        }
    }

    @Test func captureTicketsPastACouriersRateGet429() async throws {
        try await TestApp.run(configure: { $0.rateLimits = [.ticket: RatePolicy(count: 3, per: 60)] }) { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                func ticket() async throws -> TestResponse {
                    try await client.execute(uri: "/api/v1/courier/deliveries/\(delivery.id)/capture-ticket", method: .post, headers: app.courierHeaders())
                }
                for _ in 0..<3 { #expect(try await ticket().status == .created) }
                let refused = try await ticket()
                #expect(refused.status == .tooManyRequests && refused.headers[.retryAfter] == "20")
            }
        }
    }

    /// A tenant's webhook test-sends are limited: each is a request to a URL it chose.
    @Test func webhookTestSendsPastATenantsRateGet429() async throws {
        try await TestApp.run(configure: { $0.rateLimits = [.webhookTest: RatePolicy(count: 2, per: 600)] }) { app in
            try await app.application.test(.router) { client in
                let created = try await client.execute(
                    uri: "/api/v1/webhooks", method: .post, headers: app.apiHeaders,
                    body: try JSONSerialization.body(["url": "http://127.0.0.1:9/hook"])).json()
                let id = try #require(created["id"] as? String)
                for _ in 0..<2 {
                    #expect(try await client.execute(uri: "/api/v1/webhooks/\(id)/test", method: .post, headers: app.apiHeaders).status == .ok)
                }
                let refused = try await client.execute(uri: "/api/v1/webhooks/\(id)/test", method: .post, headers: app.apiHeaders)
                #expect(refused.status == .tooManyRequests && refused.headers[.retryAfter] == "300")
            }
        }
    }

    /// A tenant's evidence-pack PDFs are limited (each is a render on the blocking pool); the
    /// mapping JSON, which renders nothing, is not.
    @Test func evidencePacksPastATenantsRateGet429() async throws {
        try await TestApp.run(configure: { $0.rateLimits = [.evidencePack: RatePolicy(count: 1, per: 600)] }) { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                let path = "/api/v1/deliveries/\(delivery.id)/evidence"
                #expect(try await client.execute(uri: path + ".pdf", method: .get, headers: app.apiHeaders).status == .ok)
                let refused = try await client.execute(uri: path + ".pdf", method: .get, headers: app.apiHeaders)
                #expect(refused.status == .tooManyRequests && refused.headers[.retryAfter] == "600")
                #expect(try await client.execute(uri: path, method: .get, headers: app.apiHeaders).status == .ok)
            }
        }
    }

    /// A customer link's actions are counted per link once its signature holds (a forged link
    /// cannot use up the real one's allowance); links that do not verify are counted per client
    /// address, and customers with real links are never refused for the address they share.
    /// The refusal is a readable page with Retry-After.
    @Test func customerActionsArePerLinkAndForgeriesPerAddress() async throws {
        let policies: [RateLimits.Action: RatePolicy] = [.link: RatePolicy(count: 2, per: 600), .address: RatePolicy(count: 3, per: 600)]
        try await TestApp.run(configure: { $0.rateLimits = policies }) { app in
            let first = try await app.delivery(email: "ann@example.com")
            let second = try await app.delivery(email: "bob@example.com")
            try await app.application.test(.router) { client in
                func choose(_ path: String) async throws -> TestResponse {
                    try await client.execute(uri: path, method: .post, headers: .form, body: .init(string: "choice=opted_out"))
                }
                let forged = app.preferencesPath(first).replacingOccurrences(of: "s=", with: "s=AAAA")
                for _ in 0..<3 { #expect(try await choose(forged).status == .notFound) }
                let guessing = try await choose(forged)
                #expect(guessing.status == .tooManyRequests && guessing.headers[.retryAfter] == "200")
                #expect(guessing.text.contains("Too many requests") && guessing.headers[.contentType]?.hasPrefix("text/html") == true)
                // The real links still work from the same address, each up to its own allowance.
                #expect(try await choose(app.preferencesPath(first)).status == .ok)
                #expect(try await choose(app.preferencesPath(first)).status == .ok)
                let refused = try await choose(app.preferencesPath(first))
                #expect(refused.status == .tooManyRequests && refused.headers[.retryAfter] == "300")
                #expect(try await choose(app.preferencesPath(second)).status == .ok)
            }
        }
    }

    /// Behind a trusted proxy each client has its own allowance, by the address the proxy
    /// reports; a client talking to the server directly cannot claim another address.
    @Test func loginsAreCountedPerClientAddressAsTrustedProxiesReportIt() async throws {
        typealias Login = @Sendable (String) async throws -> HTTPResponse.Status
        func logins(trusting proxies: String, _ check: @escaping @Sendable (Login) async throws -> Void) async throws {
            try await TestApp.run(configure: {
                $0.rateLimits = [.login: RatePolicy(count: 2, per: 600)]
                $0.trustedProxies = try! TrustedProxies.parse(proxies)
            }) { app in
                try await app.application.test(.live) { client in
                    try await check { forwardedFor in
                        try await client.execute(
                            uri: "/api/v1/courier/login", method: .post, headers: [.contentType: "application/json", .xForwardedFor: forwardedFor],
                            body: try JSONSerialization.body(["username": "nobody-\(UUID().uuidString)", "password": "wrong password!"])
                        ).status
                    }
                }
            }
        }
        try await logins(trusting: "127.0.0.1") { (login: Login) async throws in
            #expect(try await login("198.51.100.1") == .unauthorized)
            #expect(try await login("198.51.100.1") == .unauthorized)
            #expect(try await login("198.51.100.1") == .tooManyRequests)
            #expect(try await login("198.51.100.2") == .unauthorized, "another client behind the proxy")
            #expect(try await login("6.6.6.6, 198.51.100.2") == .unauthorized, "a hop the client wrote itself is not read")
            #expect(try await login("6.6.6.6, 198.51.100.2") == .tooManyRequests)
        }
        try await logins(trusting: "") { (login: Login) async throws in
            #expect(try await login("198.51.100.1") == .unauthorized)
            #expect(try await login("198.51.100.2") == .unauthorized)
            #expect(try await login("198.51.100.3") == .tooManyRequests, "no trusted proxy: the header is not read")
        }
    }

    /// One address cannot hold more than its share of connections (the fourth is closed on
    /// arrival); when one closes, there is room again.
    @Test func connectionsPerAddressAreCapped() async throws {
        try await TestApp.run(configure: { $0.connectionsPerAddress = 3 }) { app in
            try await app.application.test(.live) { client in
                let port = try #require(client.port)
                // From 127.0.0.2: a client of its own, apart from the test client's connections.
                let client2 = try #require(IPAddress(literal: "127.0.0.2"))
                var held = try (0..<3).map { _ in try RawSocket.connect(port: port, from: "127.0.0.2") }
                for _ in 0..<250 where app.services.connections.count(client2) < 3 { try await Task.sleep(for: .milliseconds(20)) }
                #expect(app.services.connections.count(client2) == 3)
                let fourth = try RawSocket.connect(port: port, from: "127.0.0.2")
                let asked = ContinuousClock.now
                #expect(await RawSocket.readToEnd(fourth, within: 5).isEmpty, "closed without an answer")
                #expect(ContinuousClock.now - asked < .seconds(3), "closed by the server, not a read that timed out")
                close(fourth)
                close(held.removeFirst())
                for _ in 0..<250 where app.services.connections.count(client2) > 2 {
                    try await Task.sleep(for: .milliseconds(20))
                }
                let fifth = try RawSocket.connect(port: port, from: "127.0.0.2")
                try RawSocket.write(fifth, Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8))
                #expect(String(decoding: await RawSocket.readToEnd(fifth, within: 5), as: UTF8.self).hasPrefix("HTTP/1.1 200"))
                close(fifth)
                for socket in held { close(socket) }
            }
            #expect(String(decoding: app.services.metrics.exposition(), as: UTF8.self).contains("doorstep_connections_refused_total 1\n"))
        }
    }

    /// A body dripped slower than the minimum rate is refused with 408 once the grace is over,
    /// and its share of the upload memory comes back at once, not at the idle timeout.
    @Test func aDrippedUploadBodyIsRefusedAndGivesItsMemoryBack() async throws {
        let photo = Photos.jpeg
        try await TestApp.run(configure: { $0.minUploadRate = 50_000; $0.minUploadRateGrace = 0.5 }) { app in
            let delivery = try await app.delivery()
            try await app.application.test(.live) { client in
                let port = try #require(client.port)
                let socket = try RawSocket.connect(port: port)
                defer { close(socket) }
                try RawSocket.write(socket, Array(RawSocket.uploadHead(app.uploadPath(delivery), token: app.courierToken, length: photo.count).utf8))
                let started = ContinuousClock.now
                // 100 bytes every 150 ms (under 1 KB/s) while the answer is awaited.
                let drip = Task {
                    for chunk in stride(from: 0, to: 4_000, by: 100) where !Task.isCancelled {
                        guard (try? RawSocket.write(socket, Array(photo[chunk..<chunk + 100]))) != nil else { return }
                        try? await Task.sleep(for: .milliseconds(150))
                    }
                }
                let answer = String(decoding: await RawSocket.readToEnd(socket, within: 15, untilHeadEnds: true), as: UTF8.self)
                drip.cancel()
                #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer.prefix(200))")
                #expect(answer.contains("/problems/upload-too-slow"))
                #expect(ContinuousClock.now - started < .seconds(10), "refused soon after the grace, not at the idle timeout (30 s)")
                for _ in 0..<100 where app.services.uploadBudget.bytesInUse > 0 { try await Task.sleep(for: .milliseconds(20)) }
                #expect(app.services.uploadBudget.bytesInUse == 0)
            }
            #expect(try await app.services.store.currentPhoto(deliveryID: delivery.id) == nil)
        }
    }
}
