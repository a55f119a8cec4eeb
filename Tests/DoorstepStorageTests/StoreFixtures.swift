import DoorstepCore
import Foundation
import Logging

@testable import DoorstepStorage

/// The engines the store contract runs against. Each test gets a fresh, empty database.
/// PostgreSQL joins when DOORSTEP_TEST_POSTGRES names a server to create test databases on
/// (scripts/test starts one on loopback and sets it).
enum StoreEngine: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    static var allCases: [StoreEngine] { postgresAdminURL == nil ? [.sqlite] : [.sqlite, .postgres] }
    static let postgresAdminURL = ProcessInfo.processInfo.environment["DOORSTEP_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }

    var testDescription: String { rawValue }

    /// Runs `body` with a fresh store, and closes (and for PostgreSQL drops) it afterwards.
    func withSeed(_ body: (Seed) async throws -> Void) async throws {
        let (store, cleanUp) = try await makeStore()
        do {
            try await body(Seed(store: store))
        } catch {
            try await store.shutdown()
            try await cleanUp()
            throw error
        }
        try await store.shutdown()
        try await cleanUp()
    }

    func makeStore() async throws -> (SQLMetadataStore, @Sendable () async throws -> Void) {
        let logger = Logger(label: "test")
        switch self {
        case .sqlite:
            let path = NSTemporaryDirectory() + "doorstep-store-\(UUID().uuidString).sqlite"
            let store = SQLMetadataStore(source: try await SQLiteConnectionPool.open(path: path, size: 4, logger: logger))
            try await store.migrate()
            return (store, { try? FileManager.default.removeItem(atPath: path) })
        case .postgres:
            let admin = try #require(Self.postgresAdminURL)
            let name = "doorstep_test_\(UUID().uuidString.prefix(8).lowercased())"
            let adminPool = try await PostgresClientSource.open(url: admin, size: 1, logger: logger)
            try await adminPool.withConnection { db in try await db.raw("CREATE DATABASE \(ident: name)").run() }
            let url = admin.replacingOccurrences(of: #"/[^/]*$"#, with: "/\(name)", options: .regularExpression)
            let store = SQLMetadataStore(source: try await PostgresClientSource.open(url: url, size: 4, logger: logger))
            try await store.migrate()
            return (store, {
                try await adminPool.withConnection { db in try await db.raw("DROP DATABASE \(ident: name)").run() }
                try await adminPool.shutdown()
            })
        }
    }
}

/// Builds related rows with sensible defaults, so each test states only what it is about.
struct Seed {
    let store: SQLMetadataStore
    var clock = Date(timeIntervalSince1970: 1_800_000_000)

    static func id() -> String { UUID().uuidString.lowercased() }

    func tenant(_ name: String = "Shop") async throws -> Tenant {
        let tenant = Tenant(id: Self.id(), name: name, createdAt: clock)
        try await store.createTenant(tenant)
        return tenant
    }

    func courier(_ tenant: Tenant, username: String = "courier-\(UUID().uuidString.prefix(8))") async throws -> Courier {
        let courier = Courier(id: Self.id(), tenantID: tenant.id, username: username.lowercased(), displayName: "C", createdAt: clock)
        try await store.createCourier(courier, passwordHash: "$2b$10$hash")
        return courier
    }

    func delivery(
        _ tenant: Tenant, courier: Courier? = nil, reference: String? = nil, at date: Date? = nil,
        recipient: Recipient = Recipient(name: "Ann", email: "ann@example.com", language: .fr), handoverCode: String? = nil
    ) async throws -> Delivery {
        let delivery = Delivery(
            id: Self.id(), tenantID: tenant.id, orderReference: reference ?? "ORDER-\(UUID().uuidString.prefix(8))",
            recipient: recipient,
            address: "1 Main St", location: try Coordinate(latitude: 48.85, longitude: 2.35), instructions: "",
            courierID: courier?.id, state: .created, createdAt: date ?? clock, handoverCode: handoverCode)
        guard try await store.createDeliveries([delivery], claim: nil) == .created else {
            throw DoorstepError.conflict(reason: "this order reference already has a delivery")
        }
        return delivery
    }

    /// A tenant with a courier and one delivery assigned to them: where most photo tests start.
    func assignedDelivery() async throws -> (Courier, Delivery) {
        let tenant = try await tenant()
        let courier = try await courier(tenant)
        return (courier, try await delivery(tenant, courier: courier))
    }

    func photo(for delivery: Delivery, courier: Courier, id: String = Seed.id()) -> Photo {
        func variant(_ kind: Photo.VariantKind) -> PhotoVariant {
            PhotoVariant(blobKey: BlobKey.photoVariant(photoID: id, variant: kind), width: 1600, height: 1200, byteCount: 1000, sha256: "ab")
        }
        return Photo(
            id: id, deliveryID: delivery.id, tenantID: delivery.tenantID, courierID: courier.id, placement: .porch,
            note: "by the pot", capturedAt: clock, imagePosition: nil, devicePosition: try? Coordinate(latitude: 48.85, longitude: 2.35),
            distanceToAddress: 3.5, locationVerdict: .atAddress,
            quality: PhotoQuality(meanBrightness: 120, sharpness: 15, issues: [.blurry]),
            perceptualHash: 0xF00D_0000_0000_BEEF, display: variant(.display), thumbnail: variant(.thumbnail),
            dataKey: WrappedDataKey(kekVersion: 1, sealed: "sealed-\(id)"),
            createdAt: clock.addingTimeInterval(60), expiresAt: clock.addingTimeInterval(3600))
    }
}

import Testing
