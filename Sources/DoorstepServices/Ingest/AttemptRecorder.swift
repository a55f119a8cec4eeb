import DoorstepCore
import DoorstepImaging
import DoorstepStorage
import Foundation

/// A failed delivery attempt (`DeliveryAttempt`), recorded by the courier at the door: the reason,
/// a note, and where photos are allowed a photo of the door, processed like every photo (people
/// redacted under the tenant's policy, metadata stripped, sealed) and kept as long. The recipient
/// hears "we tried" by email and text, the tenant by `delivery.attempted`; the delivery stays open.
extension PhotoIngestService {
    public struct AttemptOutcome: Sendable {
        public var attempt: DeliveryAttempt
        public var photo: Photo?
    }

    /// Checked before a door photo is read: the delivery still open, room for one more attempt,
    /// and (with a photo) a photo allowed here. The transaction judges the first two again.
    public func authorizeAttempt(_ delivery: Delivery, withPhoto: Bool, note: String?) async throws {
        _ = try DeliveryService.note(note)
        guard delivery.state != .delivered else { throw DoorstepError.alreadyDelivered }
        guard try await store.attempts(deliveryID: delivery.id).count < DeliveryAttempt.maxPerDelivery else {
            throw DoorstepError.attemptsExhausted
        }
        if withPhoto { try await checkPhotoAllowed(delivery) }
    }

    /// `bytes` is the door photo, nil for none (photos not allowed here, or no camera). An attempt
    /// is not idempotent: the courier app sends it online only, and a repeat is one more attempt
    /// (within `DeliveryAttempt.maxPerDelivery`).
    public func recordAttempt(
        _ bytes: [UInt8]?, to delivery: Delivery, reason: DeliveryAttempt.Reason, note: String?,
        devicePosition: Coordinate?, by courier: Courier
    ) async throws -> AttemptOutcome {
        let note = try DeliveryService.note(note)
        guard delivery.state != .delivered else { throw DoorstepError.alreadyDelivered }
        var photo: Photo?
        if let bytes {
            try await checkPhotoAllowed(delivery)
            photo = try await doorPhoto(bytes, of: delivery, devicePosition: devicePosition, by: courier)
        }
        let event = announcer.event(.attempted, tenantID: delivery.tenantID, deliveryID: delivery.id, photoID: photo?.id)
        photo?.attemptID = event.id
        photo?.kind = .door
        let attempt = DeliveryAttempt(
            id: event.id, deliveryID: delivery.id, tenantID: delivery.tenantID, courierID: courier.id, reason: reason,
            note: note, photoID: photo?.id, at: event.occurredAt)
        let uploadEntry = photo.map {
            audit.event(.upload, tenantID: delivery.tenantID, deliveryID: delivery.id, photoID: $0.id, by: .courier, actorID: courier.id)
        }
        let blobs = photo.map { [$0.display.blobKey, $0.thumbnail.blobKey] } ?? []
        let result: RecordAttemptResult
        do {
            result = try await store.recordAttempt(attempt, photo: photo, events: [event], audit: uploadEntry)
        } catch {
            await vault.deleteBlobs(blobs)
            throw error
        }
        switch result {
        case .recorded(let recorded):
            await announcer.committed([event])
            return AttemptOutcome(attempt: recorded, photo: photo)
        case .alreadyDelivered:
            await vault.deleteBlobs(blobs)
            throw DoorstepError.alreadyDelivered
        case .tooMany:
            await vault.deleteBlobs(blobs)
            throw DoorstepError.attemptsExhausted
        }
    }

    /// The door photo, written as sealed blobs (the caller deletes them if the attempt is not recorded).
    private func doorPhoto(_ bytes: [UInt8], of delivery: Delivery, devicePosition: Coordinate?, by courier: Courier) async throws -> Photo {
        let settings = try await store.tenant(id: delivery.tenantID)?.settings ?? TenantSettings()
        let processed = try await process(bytes, settings: settings)
        let photoID = effects.newID()
        let stored = try await vault.store(processed, photoID: photoID)
        let now = effects.now()
        let position = devicePosition ?? processed.header.position
        let distance = position.map { $0.distance(to: delivery.location) }
        // No perceptual hash (0): a door photographed at an attempt and again at the delivery is
        // expected to look alike, and reuse detection is about delivery photos.
        return Photo(
            id: photoID, deliveryID: delivery.id, tenantID: delivery.tenantID, courierID: courier.id,
            placement: .frontDoor, note: nil, capturedAt: processed.header.capturedAt,
            imagePosition: processed.header.position, devicePosition: devicePosition,
            distanceToAddress: distance, locationVerdict: settings.locationRadii.verdict(distance: distance),
            quality: processed.quality(qualityThresholds), perceptualHash: 0,
            display: stored.display, thumbnail: stored.thumbnail, dataKey: stored.dataKey,
            createdAt: now, expiresAt: now.addingTimeInterval(settings.retention), redaction: processed.redaction)
    }
}
