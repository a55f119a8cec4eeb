import Testing

@testable import DoorstepNotify

/// The SMTP setting: secure by default, the password never in the URL, unencrypted only when said.
@Suite struct SMTPServerTests {
    @Test func theSchemesChooseTheSecurityAndThePort() throws {
        #expect(try SMTPServer("smtp://parcels@mail.example.com") == .init(host: "mail.example.com", port: 587, security: .startTLS, user: "parcels"))
        #expect(try SMTPServer("smtps://parcels%40shop@mail.example.com") == .init(host: "mail.example.com", port: 465, security: .implicitTLS, user: "parcels@shop"))
        #expect(try SMTPServer("smtp://127.0.0.1:2525?tls=off") == .init(host: "127.0.0.1", port: 2525, security: .none))
        #expect(try SMTPServer("smtp://u@relay.lan?tls=off&plain-auth=allow").user == "u")
    }

    @Test func settingsThatWouldLeakOrMislead() {
        let cases = [
            ("smtp://u:secret@mail.example.com", "must not be in the URL"),
            ("smtp://u@relay.lan:25?tls=off", "refusing to send the SMTP password unencrypted"),
            ("mail.example.com:25", "must look like"),
            ("smtps://mail.example.com?tls=off", "tls=off is the only tls choice"),
            ("smtp://mail.example.com?verify=no", "does not know: verify"),
            ("smtp://mail.example.com?ca=/nonexistent.pem", "cannot be read"),
            ("smtp://mail.example.com?tls=off&ca=/etc/hostname", "ca= is for TLS"),
        ]
        for (text, reason) in cases {
            #expect { try SMTPServer(text) } throws: { "\($0)".contains(reason) && !"\($0)".contains("secret") }
        }
    }

    @Test func aUserNeedsAPasswordAndAPasswordNeedsAUser() {
        #expect(throws: NotifyConfigurationError.self) {
            try SMTPClient(server: .init(host: "h", port: 587, security: .startTLS, user: "u"), password: nil, heloName: "shop.example")
        }
        #expect(throws: NotifyConfigurationError.self) {
            try SMTPClient(server: .init(host: "h", port: 587, security: .startTLS), password: "p", heloName: "shop.example")
        }
    }
}
