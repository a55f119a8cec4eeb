import DoorstepCore
import Foundation
import SQLKit

extension SQLMetadataStore {
    public func createCaptureTicket(_ ticket: CaptureTicket, maxUnusedSince since: Date, upTo limit: Int) async throws -> Bool {
        try await insert(underCap: limit, parent: ("couriers", ticket.courierID), count: """
            SELECT COUNT(*) AS n FROM capture_tickets
            WHERE courier_id = \(bind: ticket.courierID) AND issued_at >= \(bind: since.epochMilliseconds) AND photo_id IS NULL
            """) { db in
            try await db.raw("""
                INSERT INTO capture_tickets (digest, delivery_id, courier_id, issued_at)
                VALUES (\(bind: ticket.digest), \(bind: ticket.deliveryID), \(bind: ticket.courierID), \(bind: ticket.issuedAt.epochMilliseconds))
                """).run()
        }
    }

    public func unusedCaptureTickets(courierID: String, issuedSince: Date) async throws -> Int {
        try await source.withConnection { db in
            try await db.raw("""
                SELECT COUNT(*) AS n FROM capture_tickets
                WHERE courier_id = \(bind: courierID) AND issued_at >= \(bind: issuedSince.epochMilliseconds) AND photo_id IS NULL
                """).first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    public func captureTicket(digest: String) async throws -> CaptureTicket? {
        try await source.withConnection { db in
            guard let row = try await db.raw("""
                SELECT delivery_id, courier_id, issued_at, photo_id FROM capture_tickets WHERE digest = \(bind: digest)
                """).first() else { return nil }
            return CaptureTicket(
                digest: digest, deliveryID: try row.decode(column: "delivery_id", as: String.self),
                courierID: try row.decode(column: "courier_id", as: String.self),
                issuedAt: Date(epochMilliseconds: try row.decode(column: "issued_at", as: Int64.self)),
                photoID: try row.decode(column: "photo_id", as: String?.self))
        }
    }

    public func nearPerceptualHashes(
        of hash: UInt64, tenantID: String, since: Date, maxDistance: Int, excludingDeliveryID: String, limit: Int
    ) async throws -> [PerceptualHashRow] {
        try await source.withConnection { db in
            // Every upload compares its hash with the tenant's whole window and a match is rare, so
            // the engine measures the distance while it walks the covering index and reads a photo's
            // row only when it is near. Bringing every hash of the window into Swift to compare it
            // here cost an upload 2 ms more CPU per 600 photos in the window (bench/load.py).
            let distance = source.engine.hammingDistance(column: "perceptual_hash", to: Int64(bitPattern: hash))
            // The near few are joined to their deliveries (where each went) after the walk. An
            // erased delivery's photos match nothing: its address is gone, so every match would
            // read "another address" and open a case against a courier for a recipient's erasure.
            return try await db.raw("""
                SELECT near.*, d.address, d.latitude, d.longitude FROM (
                    SELECT id, delivery_id, courier_id, perceptual_hash, \(distance) AS distance FROM photos
                    WHERE tenant_id = \(bind: tenantID) AND created_at >= \(bind: since.epochMilliseconds) AND perceptual_hash <> 0
                      AND \(distance) <= \(bind: maxDistance) AND delivery_id <> \(bind: excludingDeliveryID)
                    ORDER BY distance, id LIMIT \(bind: limit)) near
                JOIN deliveries d ON d.id = near.delivery_id
                WHERE d.erased_at IS NULL
                ORDER BY near.distance, near.id
                """).all().map { row in
                PerceptualHashRow(
                    photoID: try row.decode(column: "id", as: String.self),
                    deliveryID: try row.decode(column: "delivery_id", as: String.self),
                    courierID: try row.decode(column: "courier_id", as: String.self),
                    hash: UInt64(bitPattern: try row.decode(column: "perceptual_hash", as: Int64.self)),
                    address: try row.decode(column: "address", as: String.self),
                    location: try Coordinate(latitude: try row.decode(column: "latitude", as: Double.self),
                                             longitude: try row.decode(column: "longitude", as: Double.self)))
            }
        }
    }

    public func reuseMatches(photoID: String) async throws -> [ReuseMatch] {
        try await source.withConnection { db in
            try await db.raw("""
                SELECT matched_photo_id, matched_delivery_id, distance, same_courier, same_address FROM reuse_flags
                WHERE photo_id = \(bind: photoID) ORDER BY distance, matched_photo_id
                """).all().map { row in
                ReuseMatch(
                    photoID: try row.decode(column: "matched_photo_id", as: String.self),
                    deliveryID: try row.decode(column: "matched_delivery_id", as: String.self),
                    distance: try row.decode(column: "distance", as: Int.self),
                    sameCourier: try row.decode(column: "same_courier", as: Int.self) != 0,
                    sameAddress: try row.decode(column: "same_address", as: Int.self) != 0)
            }
        }
    }
}
