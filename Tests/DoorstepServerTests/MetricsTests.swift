import DoorstepCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

@Suite struct MetricsTests {
    @Test func prometheusSeesUploadsImagesRequestsAndSweepsButNoIDsOrNames() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                let key = UUID().uuidString
                try await app.upload(delivery, client: client, key: key)
                try await app.upload(delivery, client: client, key: key)  // the phone's retry: replayed

                for headers: HTTPFields in [[:], [.authorization: "Bearer not-the-token"]] {
                    let denied = try await client.execute(uri: "/metrics", method: .get, headers: headers)
                    #expect(denied.status == .unauthorized)
                }
                // Methods a client makes up are one label value, not one each.
                for invented in ["BREW", "WHEN"] {
                    _ = try await client.execute(uri: "/healthz", method: HTTPRequest.Method(invented)!)
                }
                _ = await app.services.outboxWorker.runOnce()  // no SMTP relay here: dead-lettered
                app.clock.advance(by: 400 * 24 * 3600)
                #expect(try await app.services.retentionSweeper.sweepOnce() == 1)

                let response = try await client.execute(
                    uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(TestApp.metricsToken)"])
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                let samples = Dictionary(response.text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line in
                    line.split(separator: " ").count == 2 ? (String(line.split(separator: " ")[0]), String(line.split(separator: " ")[1])) : nil
                }, uniquingKeysWith: { first, _ in first })

                #expect(samples[#"doorstep_photo_uploads_total{outcome="stored"}"#] == "1")
                #expect(samples[#"doorstep_photo_uploads_total{outcome="replayed"}"#] == "1")
                // The retry never reached the image pipeline.
                #expect(samples["doorstep_image_processing_seconds_count"] == "1")
                #expect(samples["doorstep_image_queue_wait_seconds_count"] == "1")
                #expect(samples["doorstep_image_jobs_in_flight"] == "0.0" || samples["doorstep_image_jobs_in_flight"] == "0")
                #expect(samples["doorstep_photos_expired_total"] == "1")
                #expect(samples[#"doorstep_outbox_attempts_total{channel="email",outcome="dead"}"#] == "1")
                // Requests by route template and status: both uploads answered 201, the two refusals 401.
                let uploads = samples.filter { $0.key.hasPrefix("doorstep_http_requests_total{") && $0.key.contains(#"method="POST""#)
                    && $0.key.contains("/photo") && $0.key.contains(#"status="201""#) }
                #expect(uploads.values.map { $0 } == ["2"], "\(uploads)")
                #expect(samples.contains { $0.key.hasPrefix("doorstep_http_requests_total{") && $0.key.contains(#"status="401""#) && $0.value == "2" })
                #expect(samples.keys.contains { $0.hasPrefix("doorstep_http_request_duration_seconds_bucket{") })
                #expect(samples.filter { $0.key.hasPrefix("doorstep_http_requests_total{") && $0.key.contains(#"method="other""#) }
                    .values.map { $0 } == ["2"])
                #expect(!response.text.contains("BREW") && !response.text.contains("WHEN"))

                // Labels are templates and fixed words: no id, name or token of anyone.
                for secret in [delivery.id, app.courier.id, app.courier.username, app.tenant.id, "ann@example.com", TestApp.metricsToken] {
                    #expect(!response.text.contains(secret))
                }
            }
        }
    }

    @Test func theMetricsTokenIsMadeOnFirstRunForPrometheusToRead() async throws {
        try await TestApp.run(configure: { $0.metricsToken = nil }) { app in
            let path = app.services.configuration.metricsTokenPath
            let token = try String(contentsOfFile: path, encoding: .utf8)
            #expect(token.count == 32)
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            try await AppServices.open(app.services.configuration, logger: app.services.logger).close()  // a restart keeps it
            #expect(try String(contentsOfFile: path, encoding: .utf8) == token)
        }
    }
}
