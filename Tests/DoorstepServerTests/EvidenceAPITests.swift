import DoorstepCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

/// What the courier learns at the door: the quality and location verdicts in the upload response.
@Suite struct EvidenceAPITests {
    @Test func theUploadAnswerCarriesTheQualityAndLocationVerdicts() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                // The address is at 48.8566, 2.3522; 0.0001° of latitude is about 11 m.
                for (name, query, verdict, issues, location) in [
                    ("r05_picosdeeuropa.original", "lat=48.8567&lon=2.3522", "ok", [String](), "at-address"),
                    ("r05_picosdeeuropa.dark", "lat=48.8576&lon=2.3522", "retake", ["too_dark"], "near"),
                    ("r05_picosdeeuropa.blurred", "lat=48.8666&lon=2.3522", "retake", ["blurry"], "far"),
                    ("r05_picosdeeuropa.resized", "", "retake", ["too_small"], "unknown"),
                ] {
                    let delivery = try await app.delivery()
                    let response = try await client.execute(
                        uri: app.uploadPath(delivery, query: "placement=porch" + (query.isEmpty ? "" : "&" + query)),
                        method: .post, headers: app.courierHeaders(), body: ByteBuffer(bytes: Photos.quality(name)))
                    #expect(response.status == .created, "\(name)")
                    let photo = try #require(try response.json()["photo"] as? [String: Any])
                    let quality = try #require(photo["quality"] as? [String: Any])
                    #expect(quality["verdict"] as? String == verdict, "\(name)")
                    #expect(quality["issues"] as? [String] == issues, "\(name)")
                    #expect(photo["location"] as? String == location, "\(name)")
                }
            }
        }
    }

    @Test func aTenantThatRejectsUnusablePhotosGetsNoneStored() async throws {
        try await TestApp.run { app in
            var settings = app.tenant.settings
            settings.qualityPolicy = .reject
            try await app.services.store.updateSettings(settings, tenantID: app.tenant.id)
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                let refused = try await client.execute(
                    uri: app.uploadPath(delivery), method: .post, headers: app.courierHeaders(key: "dark"),
                    body: ByteBuffer(bytes: Photos.quality("r09_aitzgorri.dark")))
                #expect(refused.status == .unprocessableContent)
                let problem = try refused.json()
                #expect(problem["type"] as? String == "/problems/photo-unusable")
                #expect(problem["issues"] as? [String] == ["too_dark"])
                #expect(try await app.blobFiles().isEmpty)
                #expect(try await app.services.store.delivery(id: delivery.id)?.state != .delivered)

                // The retake at the door goes through.
                let retake = try await client.execute(
                    uri: app.uploadPath(delivery), method: .post, headers: app.courierHeaders(key: "good"),
                    body: ByteBuffer(bytes: Photos.quality("r09_aitzgorri.original")))
                #expect(retake.status == .created)
                #expect(try await app.services.store.delivery(id: delivery.id)?.state == .delivered)
            }
        }
    }

    @Test func radiiAndPolicyAreTenantSettingsInTheAPI() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                let put = try await client.execute(
                    uri: "/api/v1/settings", method: .put, headers: app.apiHeaders,
                    body: try JSONSerialization.body([
                        "retention_seconds": 86400, "consent_modes": [String: String](),
                        "quality_policy": "reject", "location_radii": ["at_address_m": 20, "near_m": 100],
                    ] as [String: Any]))
                #expect(put.status == .ok)
                let settings = try #require(try await app.services.store.tenant(id: app.tenant.id)?.settings)
                #expect(settings.qualityPolicy == .reject)
                #expect(settings.locationRadii == LocationRadii(atAddress: 20, near: 100))

                let bad = try await client.execute(
                    uri: "/api/v1/settings", method: .put, headers: app.apiHeaders,
                    body: try JSONSerialization.body([
                        "retention_seconds": 86400, "consent_modes": [String: String](),
                        "location_radii": ["at_address_m": 500, "near_m": 100],
                    ] as [String: Any]))
                #expect(bad.status == .unprocessableContent)
            }
        }
    }
}
