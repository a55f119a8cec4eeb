import DoorstepCore
import Foundation
import SQLKit

/// Proof thumbnails: a photo's thumbnail, resealed under a data key of its own when the photo's
/// time is up, kept for the tenant's dispute window. The photo row carries it (`proof_key`,
/// `proof_until`, and the new key in `wrapped_key`, so key rotation rewraps it like any other).
extension SQLMetadataStore {
    /// No open case of the photo's delivery: an open case holds its photos past their time.
    static let notHeld = """
        NOT EXISTS (SELECT 1 FROM problem_reports r WHERE r.delivery_id = photos.delivery_id AND r.resolved_at IS NULL)
        """

    public func reduceToProof(
        id: String, proofKey: String, dataKey: WrappedDataKey, until: Date, at: Date, events: [OutboxEvent]
    ) async throws -> [String]? {
        try await source.withTransaction { db in
            // One conditional statement, as deletePhoto: of several sweepers, one gets the row.
            let keys = try await db.raw("""
                UPDATE photos SET deleted_at = \(bind: at.epochMilliseconds), deleted_reason = \(bind: PhotoDeletionReason.expired.rawValue),
                    wrapped_key = \(bind: dataKey.sealed), kek_version = \(bind: dataKey.kekVersion),
                    proof_key = \(bind: proofKey), proof_until = \(bind: until.epochMilliseconds)
                WHERE id = \(bind: id) AND deleted_at IS NULL AND \(unsafeRaw: Self.notHeld)
                RETURNING display_key, thumbnail_key
                """).first(decoding: BlobKeysRow.self, with: snakeCase).map { [$0.displayKey, $0.thumbnailKey] }
            if keys != nil { try await Self.enqueue(events, on: db) }
            return keys
        }
    }

    public func proofThumbnails(deliveryID: String) async throws -> [StoredProofThumbnail] {
        try await source.withConnection { db in
            try await db.raw("""
                SELECT \(unsafeRaw: ProofThumbnailRow.columns) FROM photos
                WHERE delivery_id = \(bind: deliveryID) AND proof_key IS NOT NULL ORDER BY created_at, id
                """).all(decoding: ProofThumbnailRow.self, with: snakeCase).map(\.stored)
        }
    }

    public func dueProofThumbnails(now: Date, limit: Int) async throws -> [StoredProofThumbnail] {
        try await source.withConnection { db in
            try await db.raw("""
                SELECT \(unsafeRaw: ProofThumbnailRow.columns) FROM photos
                WHERE proof_key IS NOT NULL AND proof_until <= \(bind: now.epochMilliseconds) AND \(unsafeRaw: Self.notHeld)
                ORDER BY proof_until LIMIT \(bind: limit)
                """).all(decoding: ProofThumbnailRow.self, with: snakeCase).map(\.stored)
        }
    }

    public func endProofThumbnail(photoID: String, dueBy: Date?, reason: PhotoDeletionReason?) async throws -> Bool {
        try await source.withWrite { db in
            // proof_until stays: the record says how long the proof was to be kept.
            var due: SQLQueryString = ""
            if let dueBy { due = " AND proof_until <= \(bind: dueBy.epochMilliseconds) AND \(unsafeRaw: Self.notHeld)" }
            var recorded: SQLQueryString = ""
            if let reason { recorded = ", deleted_reason = \(bind: reason.rawValue)" }
            return try await db.raw("""
                UPDATE photos SET proof_key = NULL, wrapped_key = NULL\(recorded)
                WHERE id = \(bind: photoID) AND proof_key IS NOT NULL\(due) RETURNING id
                """).first() != nil
        }
    }
}

struct ProofThumbnailRow: Decodable {
    static let columns = "id, delivery_id, tenant_id, proof_key, wrapped_key, kek_version, thumbnail_width, thumbnail_height, proof_until"

    var id: String
    var deliveryId: String
    var tenantId: String
    var proofKey: String
    var wrappedKey: String
    var kekVersion: Int
    var thumbnailWidth: Int
    var thumbnailHeight: Int
    var proofUntil: Int64

    var stored: StoredProofThumbnail {
        StoredProofThumbnail(
            photoID: id, deliveryID: deliveryId, tenantID: tenantId, blobKey: proofKey,
            dataKey: WrappedDataKey(kekVersion: kekVersion, sealed: wrappedKey), width: thumbnailWidth, height: thumbnailHeight,
            until: Date(epochMilliseconds: proofUntil))
    }
}
