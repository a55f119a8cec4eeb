import DoorstepCore
import Foundation
import SQLKit

extension SQLMetadataStore {
    public func recordSignature(_ photo: Photo, note: String?, events: [OutboxEvent], audit: AccessEvent?) async throws -> Delivery? {
        try await source.withTransaction { db in
            // One conditional statement, as a handover code's: of concurrent requests (a double tap,
            // a code and a signature) exactly one finds the parcel undelivered and hands it over.
            let at = photo.createdAt.epochMilliseconds
            guard let delivery = try await db.raw("""
                UPDATE deliveries SET state = \(bind: DeliveryState.delivered.rawValue), placement = \(bind: Placement.handedToResident.rawValue),
                    note = \(bind: note), delivered_at = \(bind: at), handed_over_at = \(bind: at),
                    first_delivered_at = COALESCE(first_delivered_at, \(bind: at))
                WHERE id = \(bind: photo.deliveryID) AND state <> \(bind: DeliveryState.delivered.rawValue) AND erased_at IS NULL
                RETURNING \(unsafeRaw: DeliveryRow.columns)
                """).first(decoding: DeliveryRow.self, with: snakeCase)?.delivery()
            else { return nil }
            try await Self.insertPhoto(photo, on: db)
            try await Self.enqueue(events, on: db)
            if let audit { try await Self.insertAccess(audit, on: db) }
            return delivery
        }
    }
}
