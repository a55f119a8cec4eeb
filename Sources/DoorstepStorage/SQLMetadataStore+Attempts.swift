import DoorstepCore
import Foundation
import SQLKit

extension SQLMetadataStore {
    public func recordAttempt(
        _ attempt: DeliveryAttempt, photo: Photo?, events: [OutboxEvent], audit: AccessEvent?
    ) async throws -> RecordAttemptResult {
        try await source.withTransaction { db in
            // Takes the delivery's row lock (as a photo or a handover takes it), so "not delivered"
            // and the count below hold until this commits: no attempt after a delivery, and
            // concurrent attempts cannot pass the cap together.
            guard try await db.raw("""
                UPDATE deliveries SET state = state
                WHERE id = \(bind: attempt.deliveryID) AND state <> \(bind: DeliveryState.delivered.rawValue) AND erased_at IS NULL
                RETURNING id
                """).first() != nil
            else { return .alreadyDelivered }
            let count = try await db.raw("SELECT COUNT(*) AS n FROM delivery_attempts WHERE delivery_id = \(bind: attempt.deliveryID)")
                .first()?.decode(column: "n", as: Int.self) ?? 0
            guard count < DeliveryAttempt.maxPerDelivery else { return .tooMany }
            if let photo { try await Self.insertPhoto(photo, on: db) }
            try await db.raw("""
                INSERT INTO delivery_attempts (id, delivery_id, tenant_id, courier_id, reason, note, photo_id, created_at)
                VALUES (\(bind: attempt.id), \(bind: attempt.deliveryID), \(bind: attempt.tenantID), \(bind: attempt.courierID),
                        \(bind: attempt.reason.rawValue), \(bind: attempt.note), \(bind: attempt.photoID), \(bind: attempt.at.epochMilliseconds))
                """).run()
            try await Self.enqueue(events, on: db)
            if let audit { try await Self.insertAccess(audit, on: db) }
            return .recorded(attempt)
        }
    }

    public func attempts(deliveryID: String) async throws -> [DeliveryAttempt] {
        try await source.withConnection { db in
            try await db.raw("""
                SELECT id, delivery_id, tenant_id, courier_id, reason, note, photo_id, created_at FROM delivery_attempts
                WHERE delivery_id = \(bind: deliveryID) ORDER BY created_at, id
                """).all(decoding: AttemptRow.self, with: snakeCase).map(\.attempt)
        }
    }
}

struct AttemptRow: Decodable {
    var id: String
    var deliveryId: String
    var tenantId: String
    var courierId: String
    var reason: String
    var note: String?
    var photoId: String?
    var createdAt: Int64

    var attempt: DeliveryAttempt {
        DeliveryAttempt(
            id: id, deliveryID: deliveryId, tenantID: tenantId, courierID: courierId,
            reason: DeliveryAttempt.Reason(rawValue: reason) ?? .nobodyHome, note: note, photoID: photoId,
            at: Date(epochMilliseconds: createdAt))
    }
}
