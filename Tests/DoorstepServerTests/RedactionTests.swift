import Foundation
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

@Suite struct RedactionTests {
    /// swift-service-lifecycle logs each service it runs at debug level, described in full.
    @Test func aServiceDescribedInALogLineShowsNoKeyOrToken() async throws {
        try await TestApp.run { app in
            let services: [Any] = [
                app.services.retentionSweeper, app.services.orphanSweeper, app.services.outboxWorker, app.services.liveRelay,
                app.services.keyRotation, app.services, app.services.infrastructure,
            ]
            for service in services {
                var dumped = ""
                dump(service, to: &dumped)
                for text in [String(describing: service), String(reflecting: service), dumped] {
                    #expect(text.contains("(redacted)"), "\(text)")
                    for secret in ["keyBytes", TestApp.metricsToken, "metricsTokenDigest", "doorstep.test"] {
                        #expect(!text.contains(secret), "\(text)")
                    }
                }
            }
        }
    }
}
