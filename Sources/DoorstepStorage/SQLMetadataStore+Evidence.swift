import DoorstepCore
import Foundation
import SQLKit

extension SQLMetadataStore {
    public func createCaptureTicket(_ ticket: CaptureTicket) async throws {
        try await source.withConnection { db in
            try await db.raw("""
                INSERT INTO capture_tickets (digest, delivery_id, courier_id, issued_at)
                VALUES (\(bind: ticket.digest), \(bind: ticket.deliveryID), \(bind: ticket.courierID), \(bind: ticket.issuedAt.epochMilliseconds))
                """).run()
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

    public func nearPerceptualHashes(of hash: UInt64, tenantID: String, since: Date, maxDistance: Int) async throws -> [PerceptualHashRow] {
        try await source.withConnection { db in
            // Every upload compares its hash with the whole window, and a match is rare: read the
            // hashes alone first (an index-only scan), then the rows of the few that are near.
            // Reading three text columns of every photo made the check grow into a tenth of an
            // upload's CPU after a few hundred photos.
            let near = try await db.raw("""
                SELECT perceptual_hash FROM photos
                WHERE tenant_id = \(bind: tenantID) AND created_at >= \(bind: since.epochMilliseconds) AND perceptual_hash <> 0
                """).all().compactMap { row -> Int64? in
                let stored = try row.decode(column: "perceptual_hash", as: Int64.self)
                return PerceptualHash.distance(UInt64(bitPattern: stored), hash) <= maxDistance ? stored : nil
            }
            guard !near.isEmpty else { return [] }
            return try await db.raw("""
                SELECT id, delivery_id, courier_id, perceptual_hash FROM photos
                WHERE tenant_id = \(bind: tenantID) AND created_at >= \(bind: since.epochMilliseconds)
                  AND perceptual_hash IN (\(binds: Array(Set(near))))
                """).all().map { row in
                PerceptualHashRow(
                    photoID: try row.decode(column: "id", as: String.self),
                    deliveryID: try row.decode(column: "delivery_id", as: String.self),
                    courierID: try row.decode(column: "courier_id", as: String.self),
                    hash: UInt64(bitPattern: try row.decode(column: "perceptual_hash", as: Int64.self)))
            }
        }
    }

    public func reuseMatches(photoID: String) async throws -> [ReuseMatch] {
        try await source.withConnection { db in
            try await db.raw("""
                SELECT matched_photo_id, matched_delivery_id, distance, same_courier FROM reuse_flags
                WHERE photo_id = \(bind: photoID) ORDER BY distance, matched_photo_id
                """).all().map { row in
                ReuseMatch(
                    photoID: try row.decode(column: "matched_photo_id", as: String.self),
                    deliveryID: try row.decode(column: "matched_delivery_id", as: String.self),
                    distance: try row.decode(column: "distance", as: Int.self),
                    sameCourier: try row.decode(column: "same_courier", as: Int.self) != 0)
            }
        }
    }
}
