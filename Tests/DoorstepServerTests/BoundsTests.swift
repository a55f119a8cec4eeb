import DoorstepCore
import DoorstepServices
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import DoorstepServer

/// What a tenant, courier or link holder controls has a bound, and what a customer decided holds.
@Suite struct BoundsTests {
    @Test func aPhotoTheCustomerDeletedCannotBeUploadedAgain() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                try await app.upload(delivery, client: client)
                let query = String(app.customerPath(delivery).split(separator: "?")[1])
                #expect(try await client.execute(uri: "/d/\(delivery.id)/photo/delete?\(query)", method: .post).status == .seeOther)
                let again = try await client.execute(
                    uri: app.uploadPath(delivery), method: .post, headers: app.courierHeaders(key: "again"), body: ByteBuffer(bytes: Photos.jpeg))
                #expect(again.status == .conflict)
                let problem = try again.json()
                #expect(problem["type"] as? String == "/problems/photo-not-allowed" && problem["reason"] as? String == "deleted_by_customer")
                let ticket = try await client.execute(
                    uri: "/api/v1/courier/deliveries/\(delivery.id)/capture-ticket", method: .post, headers: app.courierHeaders())
                #expect(ticket.status == .conflict)
                #expect(try await app.services.store.currentPhoto(deliveryID: delivery.id) == nil)
                // Another delivery's photo is not affected.
                try await app.upload(try await app.delivery(), client: client)
            }
        }
    }

    @Test func aTenantHasAtMostTwentyWebhookEndpoints() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                func register(_ index: Int) async throws -> TestResponse {
                    try await client.execute(uri: "/api/v1/webhooks", method: .post, headers: app.apiHeaders,
                                             body: .init(string: #"{"url": "https://hooks.example.com/\#(index)"}"#))
                }
                for index in 0..<WebhookService.maxEndpoints { #expect(try await register(index).status == .created) }
                let refused = try await register(99)
                #expect(refused.status == .conflict)
                let problem = try refused.json()
                #expect(problem["type"] as? String == "/problems/limit-reached" && problem["limit"] as? Int == 20)
            }
        }
    }

    @Test func aDeliveryHasAtMostFiveOpenProblemReports() async throws {
        try await TestApp.run(configure: { $0.outboxWorker = false }) { app in
            let delivery = try await app.delivery()
            let query = String(app.customerPath(delivery).split(separator: "?")[1])
            try await app.application.test(.router) { client in
                func report() async throws -> TestResponse {
                    try await client.execute(uri: "/d/\(delivery.id)/problem?\(query)", method: .post, headers: .form,
                                             body: .init(string: "kind=other&details=again"))
                }
                for _ in 0..<CustomerAccessService.maxOpenReports { #expect(try await report().status == .seeOther) }
                let refused = try await report()
                #expect(refused.status == .conflict && refused.text.contains("At most 5 open problem reports"))
                #expect(try await app.services.store.problemReports(deliveryID: delivery.id).count == 5)
            }
        }
    }

    @Test func aCourierHoldsAtMostTwentyUnusedCaptureTickets() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                func ticket() async throws -> TestResponse {
                    try await client.execute(uri: "/api/v1/courier/deliveries/\(delivery.id)/capture-ticket", method: .post, headers: app.courierHeaders())
                }
                for _ in 0..<EvidenceService.maxUnusedTickets { #expect(try await ticket().status == .created) }
                let refused = try await ticket()
                #expect(refused.status == .conflict && refused.text.contains("unused capture tickets"))
                // Tickets past their capture window no longer count.
                app.clock.advance(by: FreshnessRule.captureWindow + FreshnessRule.clockSlack + 1)
                let later = try await ticket()
                #expect(later.status == .created)
            }
        }
    }

    /// A disk below the watermark is an answer: uploads get 503 storage-full with Retry-After
    /// before their body is read, and the readiness probe takes the server out of rotation.
    @Test func belowTheFreeSpaceWatermarkUploadsGet503AndTheServerIsNotReady() async throws {
        try await TestApp.run(configure: { $0.minFreeDiskBytes = 1 << 50 }) { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                let refused = try await client.execute(
                    uri: app.uploadPath(delivery), method: .post, headers: app.courierHeaders(key: "full"), body: ByteBuffer(bytes: Photos.jpeg))
                #expect(refused.status == .serviceUnavailable && refused.headers[.retryAfter] != nil)
                #expect(try refused.json()["type"] as? String == "/problems/storage-full")
                let ready = try await client.execute(uri: "/readyz", method: .get)
                #expect(try ready.status == .serviceUnavailable && ready.json()["disk"] as? String == "low")
                #expect((try await app.blobFiles()).isEmpty)
                #expect(try await app.services.store.currentPhoto(deliveryID: delivery.id) == nil)
            }
        }
        // With room (the default watermark here), the same server shape is ready and stores photos.
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                let ready = try await client.execute(uri: "/readyz", method: .get)
                #expect(try ready.status == .ok && ready.json()["disk"] as? String == "ok")
                try await app.upload(try await app.delivery(), client: client)
            }
        }
    }
}
