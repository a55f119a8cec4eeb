import DoorstepCore
import DoorstepImaging
import DoorstepStorage
import Foundation

/// An attended delivery handed over against the recipient's signature, drawn on the courier's
/// screen, where the tenant takes signatures instead of codes (`HandoverProof.signature`). The
/// drawing goes through the photo pipeline (decoded, anything but pixels dropped, re-encoded,
/// sealed under its own data key) and is kept and deleted like a photo (`PhotoKind.signature`):
/// the recipient's delete, opt-out with deletion, erasure and retention take it too.
extension PhotoIngestService {
    /// The most a signer's printed name may be.
    public static let signerNameLimit = 100

    /// A drawing is mostly white: darker than this on average, it is a photo, not a signature.
    static let drawingMinBrightness = 200.0
    /// And not blank: brighter than this, not a stroke worth the name was drawn.
    static let drawingMaxBrightness = 254.5

    /// The delivery, if this courier may take a signature for it now: assigned to them, not yet
    /// delivered, its tenant takes signatures, and the name and note are acceptable. Checked
    /// before the drawing is read.
    public func authorizeSignature(deliveryID: String, for courier: Courier, signer: String?, note: String?) async throws -> Delivery {
        _ = try Self.signerName(signer)
        _ = try DeliveryService.note(note)
        let delivery = try await assignedDelivery(deliveryID, to: courier)
        guard try await store.tenant(id: delivery.tenantID)?.settings.handoverProof == .signature else {
            throw DoorstepError.conflict(reason: "this shop takes the recipient's handover code, not a signature")
        }
        guard delivery.state != .delivered else { throw DoorstepError.alreadyDelivered }
        return delivery
    }

    /// Records the signature of a delivery `authorizeSignature` returned, and hands the parcel over.
    public func recordSignature(
        _ bytes: [UInt8], to delivery: Delivery, signer: String?, note: String?, by courier: Courier
    ) async throws -> (delivery: Delivery, signature: Photo) {
        let signer = try Self.signerName(signer)
        let note = try DeliveryService.note(note)
        let settings = try await store.tenant(id: delivery.tenantID)?.settings ?? TenantSettings()
        // Searched for people like any image (a courier could send a camera photo here), then
        // refused unless it looks like a drawing: mostly white, and not blank. So this route cannot
        // store a photo of the door or of a person, whatever the recipient said about photos.
        let processed = try await process(bytes, settings: settings)
        let brightness = processed.signals.meanBrightness
        guard (Self.drawingMinBrightness...Self.drawingMaxBrightness).contains(brightness), processed.redaction.isEmpty else {
            throw DoorstepError.invalidInput(field: "body", reason: "is not a signature: a drawing in dark strokes on a white background")
        }
        let photoID = effects.newID()
        let stored = try await vault.store(processed, photoID: photoID)
        let now = effects.now()
        var signature = Photo(
            id: photoID, deliveryID: delivery.id, tenantID: delivery.tenantID, courierID: courier.id,
            placement: .handedToResident, note: signer, capturedAt: nil, imagePosition: nil, devicePosition: nil,
            distanceToAddress: nil, locationVerdict: .unknown,
            // A drawing is not judged as a photo of a place would be (white paper reads as blown out).
            quality: PhotoQuality(meanBrightness: brightness, sharpness: processed.signals.sharpness, issues: []), perceptualHash: 0,
            display: stored.display, thumbnail: stored.thumbnail, dataKey: stored.dataKey,
            createdAt: now, expiresAt: now.addingTimeInterval(settings.retention), redaction: processed.redaction)
        signature.kind = .signature
        let events = [announcer.event(.delivered, tenantID: delivery.tenantID, deliveryID: delivery.id, photoID: photoID)]
        let entry = audit.event(.upload, tenantID: delivery.tenantID, deliveryID: delivery.id, photoID: photoID, by: .courier, actorID: courier.id)
        let blobs = [stored.display.blobKey, stored.thumbnail.blobKey]
        let updated: Delivery?
        do {
            updated = try await store.recordSignature(signature, note: note, events: events, audit: entry)
        } catch {
            await vault.deleteBlobs(blobs)
            throw error
        }
        guard let updated else {
            await vault.deleteBlobs(blobs)
            throw DoorstepError.alreadyDelivered
        }
        await announcer.committed(events)
        return (updated, signature)
    }

    static func signerName(_ value: String?) throws(DoorstepError) -> String? {
        try value.flatMap { value throws(DoorstepError) in
            let name = try Validate.text(value, field: "name", max: signerNameLimit, allowEmpty: true)
            return name.isEmpty ? nil : name
        }
    }
}
