import AsyncHTTPClient
import Hummingbird
import HummingbirdTesting
import Testing

@testable import DoorstepServices

/// The send-time SSRF check vets the addresses a name resolves to; the connection must then go
/// to the vetted address, not to whatever the name answers a moment later. A name that resolves
/// nowhere reaches a live receiver only through the pin.
@Suite struct WebhookPinningTests {
    @Test func aPinnedClientConnectsToTheCheckedAddressAndKeepsTheName() async throws {
        let router = Router()
        router.post("hook") { request, _ in request.head.authority ?? "" }
        try await Application(router: router).test(.live) { live in
            let port = try #require(live.port)
            let client = WebhookChannel.makeClient(pinning: "receiver.doorstep.invalid", to: "127.0.0.1")
            var request = HTTPClientRequest(url: "http://receiver.doorstep.invalid:\(port)/hook")
            request.method = .POST
            let response = try await client.execute(request, timeout: .seconds(5))
            let body = try await response.body.collect(upTo: 1024)
            try await client.shutdown()
            #expect(response.status == .ok)
            #expect(String(buffer: body) == "receiver.doorstep.invalid:\(port)")  // the name, not the address, in Host
        }
    }
}
