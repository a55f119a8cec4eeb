import Foundation
import Testing

@testable import DoorstepServer

@Suite struct RedactionTests {
    /// swift-service-lifecycle logs each service it runs at debug level, described in full.
    @Test func aServiceDescribedInALogLineShowsNoKeyOrToken() async throws {
        try await TestApp.run { app in
            let services: [Any] = [
                RetentionSweeper(dependencies: app.dependencies), OrphanBlobSweeper(dependencies: app.dependencies),
                OutboxWorker(dependencies: app.dependencies),
            ]
            for service in services {
                var dumped = ""
                dump(service, to: &dumped)
                for text in [String(describing: service), String(reflecting: service), dumped] {
                    #expect(text.contains("AppDependencies(redacted)"), "\(text)")
                    for secret in ["keyBytes", TestApp.metricsToken, "metricsTokenDigest", "doorstep.test"] {
                        #expect(!text.contains(secret), "\(text)")
                    }
                }
            }
        }
    }
}
