import Crypto
import DoorstepCore
import DoorstepImaging
import DoorstepSecurity
import DoorstepStorage
import Foundation
import Logging
import Synchronization
import Testing

@testable import DoorstepServices

/// What each use case does, and in which order, against in-memory stores: no database, no
/// libvips, milliseconds. The real engines are covered by the store contract suites and the
/// server tests; these pin the ordering that makes a use case safe.
@Suite struct UseCaseOrderingTests {
    /// Deleting a photo: the store destroys its key and queues the event in one statement first;
    /// only then do open pages hear, the blobs go, and the access log records who did it.
    @Test func deletingAPhotoCommitsBeforeItAnnouncesDeletesBlobsAndAudits() async throws {
        let world = try World()
        defer { world.cleanUp() }
        let photoID = Identifier.random(), deliveryID = Identifier.random()
        world.store.deleted = ["photos/\(photoID)/display.jpg", "photos/\(photoID)/thumb.jpg"]
        let heard = world.services.live.subscribe(LiveEvents.deliveryTopic(deliveryID))

        let deleted = try await world.services.privacy.deletePhoto(
            photoID, tenantID: "t", deliveryID: deliveryID, reason: .customerLink, action: .delete, by: .customerLink, actorID: nil)

        #expect(deleted)
        var events = heard.makeAsyncIterator()
        #expect(await events.next()?.type == .photoDeleted)
        #expect(world.journal.entries == [
            "store.deletePhoto customer_link events=photo.deleted",
            "blobs.delete photos/\(photoID)/display.jpg", "blobs.delete photos/\(photoID)/thumb.jpg",
            "store.recordAccess delete by customer_link",
        ])
    }

    /// A second delete of the same photo (a concurrent sweep won) announces and audits nothing.
    @Test func aPhotoAlreadyDeletedIsNeitherAnnouncedNorAudited() async throws {
        let world = try World()
        defer { world.cleanUp() }
        world.store.deleted = nil
        let deleted = try await world.services.privacy.deletePhoto(
            Identifier.random(), tenantID: "t", deliveryID: Identifier.random(), reason: .expired, action: .expire, by: .system, actorID: nil)
        #expect(!deleted)
        #expect(world.journal.entries == ["store.deletePhoto expired events=photo.deleted"])
    }

    /// Marking out for delivery again changes nothing and tells nobody a second time.
    @Test func outForDeliveryIsAnnouncedOnlyWhenTheStoreChangedIt() async throws {
        let world = try World()
        defer { world.cleanUp() }
        let delivery = World.delivery()
        world.store.deliveries[delivery.id] = delivery
        let heard = world.services.live.subscribe(LiveEvents.tenantTopic(delivery.tenantID))

        _ = try await world.services.deliveries.markOutForDelivery(delivery)
        _ = try await world.services.deliveries.markOutForDelivery(delivery)

        #expect(world.journal.entries == ["store.markOutForDelivery changed=true", "store.markOutForDelivery changed=false"])
        var events = heard.makeAsyncIterator()
        #expect(await events.next()?.type == .outForDelivery)
        world.services.live.publish([OutboxEvent(
            id: "marker", tenantID: delivery.tenantID, type: .photoDeleted, deliveryID: nil, photoID: nil, occurredAt: Date())])
        #expect(await events.next()?.id == "marker")  // nothing else came between: one announcement
    }

    /// A wrong password and an unknown user fail alike; a right one opens a session that expires
    /// after the configured lifetime.
    @Test func loginChecksThePasswordOffTheCallersThreadAndOpensASession() async throws {
        let world = try World()
        defer { world.cleanUp() }
        let courier = Courier(id: Identifier.random(), tenantID: "t", username: "sam", displayName: "Sam", createdAt: Date())
        world.store.credentials["sam"] = (courier, PasswordHasher(cost: 4).hash("correct horse battery"))

        await #expect(throws: DoorstepError.unauthenticated) { try await world.services.accounts.login(username: "sam", password: "wrong") }
        await #expect(throws: DoorstepError.unauthenticated) { try await world.services.accounts.login(username: "nobody", password: "x") }
        let session = try await world.services.accounts.login(username: "SAM", password: "correct horse battery")
        #expect(session.courierID == courier.id)
        #expect(session.expiresAt == World.now.addingTimeInterval(world.services.configuration.courierSessionLifetime))
        #expect(world.store.sessions == [courier.id])
    }
}

/// Calls to the fakes, in the order they happened.
final class Journal: Sendable {
    private let lines = Mutex<[String]>([])
    var entries: [String] { lines.withLock { $0 } }
    func record(_ line: String) { lines.withLock { $0.append(line) } }
}

/// The in-memory store these tests need: what is not overridden fails the test.
final class MemoryStore: UnimplementedStore, @unchecked Sendable {
    let journal: Journal
    private let state = Mutex(State())

    struct State {
        var deleted: [String]? = []
        var deliveries: [String: Delivery] = [:]
        var outForDelivery: Set<String> = []
        var credentials: [String: (Courier, String)] = [:]
        var sessions: [String] = []
    }

    init(journal: Journal) { self.journal = journal }

    /// The blob keys `deletePhoto` hands back; nil: already deleted.
    var deleted: [String]? {
        get { state.withLock { $0.deleted } }
        set { state.withLock { $0.deleted = newValue } }
    }
    var deliveries: [String: Delivery] {
        get { state.withLock { $0.deliveries } }
        set { state.withLock { $0.deliveries = newValue } }
    }
    var credentials: [String: (Courier, String)] {
        get { state.withLock { $0.credentials } }
        set { state.withLock { $0.credentials = newValue } }
    }
    var sessions: [String] { state.withLock { $0.sessions } }

    override func deletePhoto(id: String, reason: PhotoDeletionReason, at: Date, events: [OutboxEvent]) async throws -> [String]? {
        journal.record("store.deletePhoto \(reason.rawValue) events=\(events.map(\.type.rawValue).joined(separator: ","))")
        return deleted
    }

    override func recordAccess(_ event: AccessEvent) async throws {
        journal.record("store.recordAccess \(event.action.rawValue) by \(event.actor.rawValue)")
    }

    override func delivery(id: String) async throws -> Delivery? { deliveries[id] }

    override func markOutForDelivery(deliveryID: String, at: Date, events: [OutboxEvent]) async throws -> Bool {
        let changed = state.withLock { $0.outForDelivery.insert(deliveryID).inserted }
        journal.record("store.markOutForDelivery changed=\(changed)")
        return changed
    }

    override func courierCredentials(username: String) async throws -> (courier: Courier, passwordHash: String)? {
        credentials[username].map { (courier: $0.0, passwordHash: $0.1) }
    }

    override func addCourierSession(digest: String, courierID: String, expiresAt: Date) async throws {
        state.withLock { $0.sessions.append(courierID) }
    }
}

/// Blob deletes are recorded; nothing else is expected.
struct MemoryBlobs: BlobStore {
    let journal: Journal
    func put(_ key: String, bytes: [UInt8]) async throws { Issue.record("unexpected put") }
    func get(_ key: String) async throws -> [UInt8]? { Issue.record("unexpected get"); return nil }
    func delete(_ key: String) async throws { journal.record("blobs.delete \(key)") }
    func list(prefix: String) async throws -> [BlobListing] { Issue.record("unexpected list"); return [] }
    func ping() async throws {}
}

/// The service graph on in-memory stores, a fixed clock and a key folder of its own.
struct World {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    let journal = Journal()
    let store: MemoryStore
    let services: AppServices
    let folder: String

    init() throws {
        store = MemoryStore(journal: journal)
        folder = NSTemporaryDirectory() + "doorstep-services-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let effects = Effects(now: { World.now }, newID: { Identifier.random() })
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let metrics = AppMetrics()
        services = AppServices(Infrastructure(
            configuration: AppConfiguration(), store: store, blobs: MemoryBlobs(journal: journal),
            images: ImageWorkerPool(processor: RefusingProcessor(), workers: 1, maxQueued: 0, metrics: metrics),
            linkSigner: LinkSigner(key: SymmetricKey(size: .bits256)), keys: try KeyRingStore(folder: folder + "/kek"),
            uploadKeys: try UploadKeyRing(folder: folder, grace: 0), receipts: try ReceiptKeys(folder: folder),
            subjects: SubjectDigest(key: SymmetricKey(size: .bits256)), passwords: PasswordHasher(cost: 4), metrics: metrics,
            metricsToken: "unused", effects: effects, logger: logger, close: {}))
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    static func delivery() -> Delivery {
        Delivery(
            id: Identifier.random(), tenantID: "t", orderReference: "ORD-1", recipient: Recipient(name: "Ann", email: "ann@example.com", language: .en),
            address: "1 Main St", location: try! Coordinate(latitude: 48.85, longitude: 2.35), country: nil, instructions: "",
            courierID: nil, state: .created, createdAt: now, routePosition: nil)
    }
}

/// No use case in these tests processes an image; one that tried would fail here.
struct RefusingProcessor: ImageProcessor {
    func process(_ bytes: [UInt8], limits: ImageLimits, output: ImageOutputSpec) throws(DoorstepError) -> ProcessedImage {
        Issue.record("unexpected image processing")
        throw .unsupportedMediaType
    }
}
