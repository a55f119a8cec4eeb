import Crypto
import DoorstepCore
import DoorstepImaging
import DoorstepSecurity
import DoorstepStorage
import Foundation

/// A courier's photo, from upload bytes to a committed, visible photo.
///
/// Order of work, so that a failure at any point leaves nothing half-visible:
/// 1. `authorize` (the delivery is this courier's and its recipient allows photos), before the
///    body is read; then replay a known Idempotency-Key;
/// 2. process the image on the worker pool (reject bad input before decoding pixels);
/// 3. seal both variants with a fresh data key and write them as blobs under a fresh photo id;
/// 4. one transaction: claim the key, retire any earlier photo, record this one, mark delivered,
///    queue its events, log the upload in the access log;
/// 5. delete the retired photo's blobs.
/// If 4 fails the new blobs are deleted at once; if the process dies between 3 and 4 the orphan
/// sweep removes them later. No original is ever written anywhere.
public struct PhotoIngestService: Sendable {
    let store: any PhotoStore & DeliveryStore & AccountStore
    let images: ImageWorkerPool
    let limits: ImageLimits
    let output: ImageOutputSpec
    let qualityThresholds: QualityThresholds
    let evidence: EvidenceService
    let privacy: PrivacyService
    let audit: AccessAudit
    let vault: PhotoVault
    let announcer: Announcer
    let effects: Effects

    public init(
        store: any PhotoStore & DeliveryStore & AccountStore, images: ImageWorkerPool, limits: ImageLimits, output: ImageOutputSpec,
        qualityThresholds: QualityThresholds, evidence: EvidenceService, privacy: PrivacyService, audit: AccessAudit,
        vault: PhotoVault, announcer: Announcer, effects: Effects
    ) {
        self.store = store
        self.images = images
        self.limits = limits
        self.output = output
        self.qualityThresholds = qualityThresholds
        self.evidence = evidence
        self.privacy = privacy
        self.audit = audit
        self.vault = vault
        self.announcer = announcer
        self.effects = effects
    }

    public struct Outcome: Sendable {
        public var photo: Photo
        public var delivery: Delivery
        /// True when this answers a retry of an earlier upload with the same Idempotency-Key.
        public var replayed: Bool
    }

    /// The delivery, if this courier may photograph it now: assigned to them, its recipient has
    /// not said no, and its tenant asks for photo number `slot`. Checked before a byte of the
    /// upload is read.
    public func authorize(deliveryID: String, for courier: Courier, slot: Int = 1) async throws -> Delivery {
        let delivery = try await assignedDelivery(deliveryID, to: courier)
        if slot > 1 { try PhotoSlot.check(slot, wanted: try await store.tenant(id: delivery.tenantID)?.settings.photosPerDelivery ?? 1) }
        try await checkPhotoAllowed(delivery)
        return delivery
    }

    /// Stores the photo of a delivery that `authorize` returned.
    public func upload(
        _ bytes: [UInt8], to delivery: Delivery, details: PhotoUploadDetails, idempotencyKey: String?, by courier: Courier
    ) async throws -> Outcome {
        // Hashing the whole body costs about a millisecond per megabyte: only a keyed upload needs it.
        let keyed = idempotencyKey.map { (key: $0, fingerprint: Self.fingerprint(deliveryID: delivery.id, details: details, bytes: bytes)) }
        if let keyed, let claim = try await store.idempotentUpload(courierID: courier.id, key: keyed.key) {
            return try await replay(claim, fingerprint: keyed.fingerprint)
        }
        try DropChoice.check(details.placement, for: delivery)

        let settings = try await store.tenant(id: delivery.tenantID)?.settings ?? TenantSettings()
        let processed = try await process(bytes, settings: settings)
        let quality = processed.quality(qualityThresholds)
        if settings.qualityPolicy == .reject, !quality.isUsable { throw DoorstepError.photoUnusable(quality.issues) }
        let (freshness, ticket) = try await evidence.freshness(
            of: details, exifCapture: processed.header.capturedAt, delivery: delivery, courier: courier)
        if settings.ticketPolicy == .refuse, freshness != .fresh { throw DoorstepError.captureNotFresh(freshness) }
        let reuse = try await evidence.reuseMatches(
            hash: processed.perceptualHash, delivery: delivery, courier: courier, retention: settings.retention)

        let photoID = effects.newID()
        let stored = try await vault.store(processed, photoID: photoID)
        let (display, thumbnail) = (stored.display, stored.thumbnail)
        let now = effects.now()

        let capturePosition = details.devicePosition ?? processed.header.position
        let distance = capturePosition.map { $0.distance(to: delivery.location) }
        var photo = Photo(
            id: photoID, deliveryID: delivery.id, tenantID: delivery.tenantID, courierID: courier.id,
            placement: details.placement, note: details.note, capturedAt: processed.header.capturedAt,
            imagePosition: processed.header.position, devicePosition: details.devicePosition,
            distanceToAddress: distance, locationVerdict: settings.locationRadii.verdict(distance: distance),
            quality: quality, perceptualHash: processed.perceptualHash,
            display: display, thumbnail: thumbnail, dataKey: stored.dataKey,
            createdAt: now, expiresAt: now.addingTimeInterval(settings.retention),
            captureTicket: ticket, freshness: freshness, reuse: reuse, redaction: processed.redaction)
        photo.slot = details.slot
        let claim = keyed.map {
            IdempotencyClaim(courierID: courier.id, key: $0.key, fingerprint: $0.fingerprint, photoID: photoID)
        }

        let events = [announcer.event(.delivered, tenantID: delivery.tenantID, deliveryID: delivery.id, photoID: photoID)]
        let raised = evidence.raisedCase(for: photo)
        let uploadEntry = audit.event(
            .upload, tenantID: delivery.tenantID, deliveryID: delivery.id, photoID: photoID, by: .courier, actorID: courier.id)
        let result: RecordPhotoResult
        do {
            result = try await store.recordPhoto(photo, idempotency: claim, events: events, audit: uploadEntry, raising: raised)
        } catch {
            await vault.deleteBlobs([display.blobKey, thumbnail.blobKey])
            throw error
        }
        switch result {
        case .duplicate(let existing):
            // A concurrent twin of this request committed first (only a keyed upload has one): ours is surplus.
            await vault.deleteBlobs([display.blobKey, thumbnail.blobKey])
            return try await replay(existing, fingerprint: claim?.fingerprint)
        case .recorded(let retired, let updated, let openedCase, let announced):
            await vault.deleteBlobs(retired)
            // Only what was queued is told live too: the tenant's stream and its webhooks agree.
            await announcer.committed((announced ? events : []) + (openedCase ? raised.map { [$0.event] } ?? [] : []))
            if openedCase { await privacy.holds.caseOpened(on: updated) }
            return Outcome(photo: photo, delivery: updated, replayed: false)
        }
    }

    /// The image decoded, redacted and resized under the tenant's people policy. Refused before
    /// anything is written (the courier retakes at the door), and never stored unsearched unless
    /// the tenant turned redaction off.
    func process(_ bytes: [UInt8], settings: TenantSettings) async throws -> ProcessedImage {
        var spec = output
        if settings.peoplePolicy == .off { spec.redactionSearchSide = nil }
        let processed = try await images.process(bytes, limits: limits, output: spec)
        guard settings.peoplePolicy == .off || processed.redaction.searched else {
            throw RedactionDidNotRun()
        }
        if settings.peoplePolicy == .retake, !processed.redaction.isEmpty { throw DoorstepError.peopleInFrame(processed.redaction) }
        return processed
    }

    func checkPhotoAllowed(_ delivery: Delivery) async throws {
        if case .notAllowed(let reason) = try await privacy.policy(for: delivery) {
            throw DoorstepError.photoNotAllowed(reason)
        }
        // "Delete my photo" means this delivery stays without one: a retake would undo it.
        if try await store.photoProofs(deliveryID: delivery.id).contains(where: { $0.isParcelPhoto && $0.deletedReason == .customerLink }) {
            throw DoorstepError.photoNotAllowed(.deletedByCustomer)
        }
    }

    /// The delivery, if it is assigned to this courier. Anything else, including a delivery of
    /// another tenant or a malformed id, is "not found": a courier learns nothing of others' stops.
    public func assignedDelivery(_ id: String, to courier: Courier) async throws -> Delivery {
        guard Identifier.isValid(id), let delivery = try await store.delivery(id: id),
              delivery.tenantID == courier.tenantID, delivery.courierID == courier.id
        else { throw DoorstepError.notFound }
        return delivery
    }

    private func replay(_ claim: IdempotencyClaim, fingerprint: String?) async throws -> Outcome {
        guard claim.fingerprint == fingerprint else { throw DoorstepError.idempotencyKeyReused }
        guard let photo = try await store.photo(id: claim.photoID),
              let delivery = try await store.delivery(id: photo.deliveryID)
        else { throw DoorstepError.conflict(reason: "the photo made by this Idempotency-Key has since been replaced or deleted") }
        return Outcome(photo: photo, delivery: delivery, replayed: true)
    }

    /// What makes two uploads "the same request" for an Idempotency-Key.
    static func fingerprint(deliveryID: String, details: PhotoUploadDetails, bytes: [UInt8]) -> String {
        var hasher = SHA256()
        let position = details.devicePosition.map { "\($0.latitude),\($0.longitude)" } ?? "-"
        // Slot 1 adds nothing, so a retry queued on a phone before slots existed still matches.
        let slot = details.slot == 1 ? "" : "slot \(details.slot)|"
        hasher.update(data: Data("\(deliveryID)|\(slot)\(details.placement.rawValue)|\(details.note ?? "")|\(position)|".utf8))
        hasher.update(data: bytes)
        return hasher.finalize().hexString
    }
}

/// A processed photo that was not searched for people while the tenant's policy needs it: a
/// programming error (the output spec lost its search size), answered 500 and never stored.
struct RedactionDidNotRun: Error, CustomStringConvertible {
    var description: String { "the photo was not searched for people, and the tenant's people_policy needs it" }
}
