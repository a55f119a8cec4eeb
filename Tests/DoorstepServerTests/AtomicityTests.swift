import DoorstepCore
import DoorstepStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import DoorstepServer

/// A real store whose photo commit fails: the fault of a database that dies mid-upload.
struct StoreFailingAtCommit: MetadataStore {
    let base: any MetadataStore
    struct InjectedFault: Error {}

    func recordPhoto(_ photo: Photo, idempotency: IdempotencyClaim?) async throws -> RecordPhotoResult { throw InjectedFault() }

    func migrate() async throws { try await base.migrate() }
    func ping() async throws { try await base.ping() }
    func createTenant(_ tenant: Tenant) async throws { try await base.createTenant(tenant) }
    func tenants() async throws -> [Tenant] { try await base.tenants() }
    func tenant(id: String) async throws -> Tenant? { try await base.tenant(id: id) }
    func addAPIKey(id: String, tenantID: String, digest: String, prefix: String, createdAt: Date) async throws {
        try await base.addAPIKey(id: id, tenantID: tenantID, digest: digest, prefix: prefix, createdAt: createdAt)
    }
    func tenant(forAPIKeyDigest digest: String) async throws -> Tenant? { try await base.tenant(forAPIKeyDigest: digest) }
    func createCourier(_ courier: Courier, passwordHash: String) async throws { try await base.createCourier(courier, passwordHash: passwordHash) }
    func courierCredentials(username: String) async throws -> (courier: Courier, passwordHash: String)? { try await base.courierCredentials(username: username) }
    func courier(id: String, tenantID: String) async throws -> Courier? { try await base.courier(id: id, tenantID: tenantID) }
    func addCourierSession(digest: String, courierID: String, expiresAt: Date) async throws {
        try await base.addCourierSession(digest: digest, courierID: courierID, expiresAt: expiresAt)
    }
    func courier(forSessionDigest digest: String, now: Date) async throws -> Courier? { try await base.courier(forSessionDigest: digest, now: now) }
    func createDelivery(_ delivery: Delivery) async throws { try await base.createDelivery(delivery) }
    func delivery(id: String, tenantID: String) async throws -> Delivery? { try await base.delivery(id: id, tenantID: tenantID) }
    func delivery(id: String) async throws -> Delivery? { try await base.delivery(id: id) }
    func deliveries(tenantID: String, limit: Int, after: DeliveryCursor?) async throws -> [Delivery] {
        try await base.deliveries(tenantID: tenantID, limit: limit, after: after)
    }
    func deliveries(courierID: String) async throws -> [Delivery] { try await base.deliveries(courierID: courierID) }
    func idempotentUpload(courierID: String, key: String) async throws -> IdempotencyClaim? { try await base.idempotentUpload(courierID: courierID, key: key) }
    func photo(id: String) async throws -> Photo? { try await base.photo(id: id) }
    func currentPhoto(deliveryID: String) async throws -> Photo? { try await base.currentPhoto(deliveryID: deliveryID) }
    func livePhotoIDs(among ids: [String]) async throws -> Set<String> { try await base.livePhotoIDs(among: ids) }
}

@Suite struct AtomicityTests {
    @Test func aFailedCommitLeavesNoPhotoAndNoBlobs() async throws {
        try await TestApp.run(wrapStore: { StoreFailingAtCommit(base: $0) }) { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                let response = try await client.execute(uri: app.uploadPath(delivery), method: .post, headers: app.courierHeaders(key: "x"), body: ByteBuffer(bytes: Photos.jpeg))
                #expect(response.status == .internalServerError)
                let problem = try response.json()
                #expect(problem["type"] as? String == "/problems/internal")
                #expect(!(problem["detail"] as? String ?? "").contains("InjectedFault"))
            }
            #expect(app.blobFiles().isEmpty)
            #expect(try await app.dependencies.store.currentPhoto(deliveryID: delivery.id) == nil)
            #expect(try await app.dependencies.store.delivery(id: delivery.id)?.state == .created)
        }
    }

    @Test func theOrphanSweepRemovesStrayBlobsAndKeepsLiveOnes() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery()
            let outcome = try await app.dependencies.ingest.upload(
                Photos.jpeg, deliveryID: delivery.id, details: PhotoUploadDetails(placement: .porch, note: nil, devicePosition: nil),
                idempotencyKey: nil, by: app.courier)
            // What a crash between the blob writes and the commit leaves behind, and a torn write.
            let strayID = UUID().uuidString.lowercased()
            try await app.dependencies.blobs.put("photos/\(strayID)/display.jpg", bytes: [1, 2, 3])
            let torn = app.folder.appendingPathComponent("blobs/photos/\(outcome.photo.id)/.tmp-\(UUID().uuidString)")
            FileManager.default.createFile(atPath: torn.path, contents: Data([9]))
            let sweeper = OrphanBlobSweeper(dependencies: app.dependencies)

            // Within the grace period nothing is touched: it could be an upload about to commit.
            #expect(try await sweeper.sweepOnce() == 0)
            #expect(app.blobFiles().count == 4)

            app.clock.advance(by: 2 * 3600)
            #expect(try await sweeper.sweepOnce() == 2)
            #expect(app.blobFiles() == ["photos/\(outcome.photo.id)/display.jpg", "photos/\(outcome.photo.id)/thumbnail.jpg"])
        }
    }
}
