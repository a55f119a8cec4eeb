import DoorstepCore
import Foundation
import HummingbirdTesting
import Testing

@testable import DoorstepServer

@Suite struct WellKnownTests {
    @Test func securityTxtNamesTheOperatorsContactWithAnExpiryUnderAYear() async throws {
        try await TestApp.run(configure: { $0.securityContact = "mailto:security@shop.example" }) { app in
            try await app.application.test(.router) { client in
                let response = try await client.execute(uri: "/.well-known/security.txt", method: .get)
                #expect(response.status == .ok && response.headers[.contentType]?.hasPrefix("text/plain") == true)
                let fields = Dictionary(uniqueKeysWithValues: response.text.split(separator: "\n").map { line in
                    let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    return (parts[0], parts[1])
                })
                #expect(fields["Contact"] == "mailto:security@shop.example")
                #expect(fields["Canonical"] == "http://doorstep.test/.well-known/security.txt")
                let expires = try #require(fields["Expires"].flatMap { try? Date($0, strategy: .iso8601) })
                #expect(expires > app.clock.now && expires < app.clock.now.addingTimeInterval(365 * 24 * 3600))
            }
        }
        // No contact configured: no file that points nowhere.
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                let response = try await client.execute(uri: "/.well-known/security.txt", method: .get)
                #expect(response.status == .notFound)
            }
        }
    }
}
