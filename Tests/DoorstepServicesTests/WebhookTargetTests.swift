import DoorstepCore
import Testing

@testable import DoorstepServices

@Suite struct WebhookTargetTests {
    @Test(arguments: [
        "127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.0.1", "169.254.169.254", "100.64.0.1",
        "0.0.0.0", "224.0.0.1", "255.255.255.255", "192.0.2.7", "198.18.0.1", "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1",
        "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe", "2001:db8::1",
        "::7f00:1", "::a00:1", "2002:a00:1::1", "2002:7f00:1::", "2001::1", "64:ff9b:1::1", "3fff::1", "2001:2::1", "2001:20::1",
        "::ffff:0:7f00:1",
    ])
    func addressesInsideAreNotPublic(_ text: String) throws {
        #expect(try #require(IPAddress(literal: text)).isPublic == false)
    }

    @Test(arguments: ["93.184.215.14", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8", "2002:808:808::1"])
    func publicAddressesArePublic(_ text: String) throws {
        #expect(try #require(IPAddress(literal: text)).isPublic)
    }

    @Test func savedURLsAreBoundedPublicAndCarryNoCredentials() throws {
        let policy = WebhookTargetPolicy()
        #expect(throws: DoorstepError.self) { try policy.validate("http://example.com/" + String(repeating: "a", count: 3000)) }
        #expect(throws: DoorstepError.self) { try policy.validate("ftp://example.com/x") }
        #expect(throws: DoorstepError.self) { try policy.validate("http://user:secret@example.com/x") }
        #expect(throws: DoorstepError.self) { try policy.validate("http://[::1]:8080/x") }
        #expect(throws: DoorstepError.self) { try policy.validate("https://169.254.169.254/latest") }
        for local in ["http://localhost:8080/x", "http://LocalHost./x", "https://api.localhost/x", "http://printer.local/x",
                      "http://metadata.google.internal/x", "http://nas.home.arpa/x"] {
            #expect(throws: DoorstepError.self, "\(local)") { try policy.validate(local) }
        }
        #expect(try policy.validate("https://localhost-hooks.example.com/x").host == "localhost-hooks.example.com")
        #expect(try policy.validate("https://hooks.example.com/doorstep?x=1").host == "hooks.example.com")
        #expect(try WebhookTargetPolicy(allowPrivateNetworks: true).validate("http://127.0.0.1:9/hooks").port == 9)
    }

    @Test func aNameThatResolvesInsideIsRefusedBeforeSending() async throws {
        await #expect(throws: DeliveryFailure.self) { _ = try await WebhookTargetPolicy().checkDestination(host: "localhost") }
        await #expect(throws: DeliveryFailure.self) { _ = try await WebhookTargetPolicy().checkDestination(host: "2130706433") }
        // Allowed inside: nothing to pin. A public address is connected to as it was checked.
        #expect(try await WebhookTargetPolicy(allowPrivateNetworks: true).checkDestination(host: "localhost") == nil)
        #expect(try await WebhookTargetPolicy().checkDestination(host: "93.184.215.14") == "93.184.215.14")
        #expect(try await WebhookTargetPolicy().checkDestination(host: "[2606:4700::1111]") == "2606:4700::1111")
    }
}
