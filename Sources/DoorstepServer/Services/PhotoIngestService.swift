import Crypto
import DoorstepCore
import DoorstepImaging
import DoorstepSecurity
import DoorstepStorage
import Foundation

/// A courier's photo, from upload bytes to a committed, visible photo.
///
/// Order of work, so that a failure at any point leaves nothing half-visible:
/// 1. authorise (the delivery is this courier's), replay a known Idempotency-Key;
/// 2. process the image on the worker pool (reject bad input before decoding pixels);
/// 3. write both variants as blobs under a fresh photo id;
/// 4. one transaction: claim the key, retire any earlier photo, record this one, mark delivered;
/// 5. delete the retired photo's blobs.
/// If 4 fails the new blobs are deleted at once; if the process dies between 3 and 4 the orphan
/// sweep removes them later. No original is ever written anywhere.
public struct PhotoIngestService: Sendable {
    let dependencies: AppDependencies

    public struct Outcome: Sendable {
        public var photo: Photo
        public var delivery: Delivery
        /// True when this answers a retry of an earlier upload with the same Idempotency-Key.
        public var replayed: Bool
    }

    public func upload(
        _ bytes: [UInt8], deliveryID: String, details: PhotoUploadDetails, idempotencyKey: String?, by courier: Courier
    ) async throws -> Outcome {
        let store = dependencies.store
        let delivery = try await assignedDelivery(deliveryID, to: courier)
        let fingerprint = Self.fingerprint(deliveryID: deliveryID, details: details, bytes: bytes)
        if let key = idempotencyKey, let claim = try await store.idempotentUpload(courierID: courier.id, key: key) {
            return try await replay(claim, fingerprint: fingerprint)
        }

        let processed = try await dependencies.images.process(
            bytes, limits: dependencies.configuration.limits, output: dependencies.configuration.output)

        let photoID = dependencies.effects.newID()
        let display = try await storeVariant(processed.display, photoID: photoID, kind: .display)
        let thumbnail: PhotoVariant
        do {
            thumbnail = try await storeVariant(processed.thumbnail, photoID: photoID, kind: .thumbnail)
        } catch {
            await deleteBlobs([display.blobKey])
            throw error
        }

        let capturePosition = details.devicePosition ?? processed.header.position
        let photo = Photo(
            id: photoID, deliveryID: delivery.id, tenantID: delivery.tenantID, courierID: courier.id,
            placement: details.placement, note: details.note, capturedAt: processed.header.capturedAt,
            imagePosition: processed.header.position, devicePosition: details.devicePosition,
            distanceToAddress: capturePosition.map { $0.distance(to: delivery.location) },
            meanBrightness: processed.meanBrightness, display: display, thumbnail: thumbnail,
            createdAt: dependencies.effects.now())
        let claim = idempotencyKey.map {
            IdempotencyClaim(courierID: courier.id, key: $0, fingerprint: fingerprint, photoID: photoID)
        }

        let result: RecordPhotoResult
        do {
            result = try await store.recordPhoto(photo, idempotency: claim)
        } catch {
            await deleteBlobs([display.blobKey, thumbnail.blobKey])
            throw error
        }
        switch result {
        case .duplicate(let existing):
            // A concurrent twin of this request committed first: ours is surplus.
            await deleteBlobs([display.blobKey, thumbnail.blobKey])
            return try await replay(existing, fingerprint: fingerprint)
        case .recorded(let retired):
            await deleteBlobs(retired)
            guard let updated = try await store.delivery(id: delivery.id) else { throw DoorstepError.notFound }
            return Outcome(photo: photo, delivery: updated, replayed: false)
        }
    }

    /// The delivery, if it is assigned to this courier. Anything else, including a delivery of
    /// another tenant or a malformed id, is "not found": a courier learns nothing of others' stops.
    func assignedDelivery(_ id: String, to courier: Courier) async throws -> Delivery {
        guard Identifier.isValid(id), let delivery = try await dependencies.store.delivery(id: id),
              delivery.tenantID == courier.tenantID, delivery.courierID == courier.id
        else { throw DoorstepError.notFound }
        return delivery
    }

    private func replay(_ claim: IdempotencyClaim, fingerprint: String) async throws -> Outcome {
        guard claim.fingerprint == fingerprint else { throw DoorstepError.idempotencyKeyReused }
        guard let photo = try await dependencies.store.photo(id: claim.photoID),
              let delivery = try await dependencies.store.delivery(id: photo.deliveryID)
        else { throw DoorstepError.conflict(reason: "the photo made by this Idempotency-Key has since been replaced or deleted") }
        return Outcome(photo: photo, delivery: delivery, replayed: true)
    }

    private func storeVariant(_ image: EncodedImage, photoID: String, kind: Photo.VariantKind) async throws -> PhotoVariant {
        let key = BlobKey.photoVariant(photoID: photoID, variant: kind)
        try await dependencies.blobs.put(key, bytes: image.jpeg)
        return PhotoVariant(
            blobKey: key, width: image.width, height: image.height, byteCount: image.jpeg.count,
            sha256: SHA256.hash(data: image.jpeg).hexString)
    }

    /// Best effort: a blob that cannot be deleted now is found by the orphan sweep.
    private func deleteBlobs(_ keys: [String]) async {
        for key in keys {
            do {
                try await dependencies.blobs.delete(key)
            } catch {
                dependencies.logger.warning("blob delete failed; the orphan sweep will retry", metadata: ["error": "\(error)"])
            }
        }
    }

    /// What makes two uploads "the same request" for an Idempotency-Key.
    static func fingerprint(deliveryID: String, details: PhotoUploadDetails, bytes: [UInt8]) -> String {
        var hasher = SHA256()
        let position = details.devicePosition.map { "\($0.latitude),\($0.longitude)" } ?? "-"
        hasher.update(data: Data("\(deliveryID)|\(details.placement.rawValue)|\(details.note ?? "")|\(position)|".utf8))
        hasher.update(data: bytes)
        return hasher.finalize().hexString
    }
}
