import DoorstepCore
import Foundation
import Logging
import Testing

@testable import DoorstepStorage

@Suite struct DataMigrationTests {
    @Test(.enabled(if: StoreEngine.postgresAdminURL != nil))
    func anEmbeddedDeploymentMovesToPostgresWhole() async throws {
        let logger = Logger(label: "test")
        let path = NSTemporaryDirectory() + "doorstep-move-\(UUID().uuidString).sqlite"
        let sqlite = try await SQLiteConnectionPool.open(path: path, size: 2, logger: logger)
        let embedded = SQLMetadataStore(source: sqlite)
        try await embedded.migrate()
        let seed = Seed(store: embedded)
        let (courier, delivery) = try await seed.assignedDelivery()
        let photo = seed.photo(for: delivery, courier: courier)
        _ = try await embedded.createWebhookEndpoint(WebhookEndpoint(
            id: Seed.id(), tenantID: delivery.tenantID, url: "http://127.0.0.1:9/", secret: "whsec_AAAA", eventTypes: [], createdAt: seed.clock),
            upTo: 20)
        _ = try await embedded.recordPhoto(photo, idempotency: IdempotencyClaim(courierID: courier.id, key: "k", fingerprint: "f", photoID: photo.id),
                                          events: [OutboxEvent(id: Seed.id(), tenantID: delivery.tenantID, type: .delivered,
                                                               deliveryID: delivery.id, photoID: photo.id, occurredAt: seed.clock)])
        try await embedded.setRecipientChoices([.init(scope: .email, subject: "e", choice: .optedOut)], tenantID: delivery.tenantID, at: seed.clock, events: [])
        try await embedded.updateSettings(TenantSettings(retention: 7200, consentModes: ["FR": .optIn]), tenantID: delivery.tenantID)

        let (postgres, cleanUp) = try await StoreEngine.postgres.makeStore()
        do {
            let migration = DataMigration(from: sqlite, to: postgres.source)
            let first = try await migration.copyRows()
            #expect(first.source == first.target)
            #expect(first.target["photos"] == 1 && first.target["outbox_messages"] == 2 && first.target["tenants"] == 1)
            // Running it again copies nothing twice.
            let again = try await migration.copyRows()
            #expect(again.target == first.target)

            #expect(try await postgres.tenants() == embedded.tenants())
            #expect(try await postgres.delivery(id: delivery.id) == embedded.delivery(id: delivery.id))
            #expect(try await postgres.currentPhoto(deliveryID: delivery.id) == photo)
            #expect(try await postgres.idempotentUpload(courierID: courier.id, key: "k")?.photoID == photo.id)
            #expect(try await postgres.outboxMessages(state: nil, endpointID: nil, limit: 10).count == 2)
            #expect(try await postgres.recipientChoices(tenantID: delivery.tenantID, subjects: [.email: "e"]) == [.email: .optedOut])
            #expect(try await postgres.courierCredentials(username: courier.username)?.courier == courier)
        } catch {
            try? await postgres.shutdown()
            try? await cleanUp()
            throw error
        }
        try await postgres.shutdown()
        try await cleanUp()
        try await sqlite.shutdown()
        for file in [path, path + "-wal", path + "-shm"] { try? FileManager.default.removeItem(atPath: file) }
    }

    @Test(.enabled(if: BlobEngine.s3Configuration() != nil))
    func photosMoveFromDiskToS3() async throws {
        let disk = try BlobEngine.disk.makeStore()
        defer { try? FileManager.default.removeItem(at: (disk as! DiskBlobStore).root) }
        let s3 = try BlobEngine.s3.makeStore()
        let key = "photos/956ed28a-8a65-4e20-876f-9bddeab8077c/display.jpg"
        try await disk.put(key, bytes: [1, 2, 3])
        try await disk.put("other/x.jpg", bytes: [4])
        #expect(try await DataMigration.copyBlobs(from: disk, to: s3) == 1)
        #expect(try await s3.get(key) == [1, 2, 3])
    }
}
