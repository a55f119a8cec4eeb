import DoorstepCore
import Foundation

/// Photos from upload to deletion, and the proof each leaves behind.
public protocol PhotoStore: Sendable {
    /// In ONE transaction: claims the idempotency key (if any), retires the delivery's previous
    /// photo in the same slot (a retake), records the photo, marks the delivery delivered, queues
    /// `events` (unless the delivery was delivered already and has photos in other slots: one
    /// "delivered" per delivery, not per photo) and
    /// records `audit` (so the upload is in the access log exactly when it happened) and opens the
    /// `raising` case unless one of its kind is open. The blobs must already be written. Returns
    /// `.duplicate` when the key was already used, changing nothing.
    func recordPhoto(
        _ photo: Photo, idempotency: IdempotencyClaim?, events: [OutboxEvent], audit: AccessEvent?, raising: RaisedCase?
    ) async throws -> RecordPhotoResult
    /// In ONE transaction: hands the parcel over in person (delivered, `handed_to_resident`,
    /// `note`, `handed_over_at`), records the recipient's signature `photo` (kind `signature`),
    /// queues `events` and records `audit`. Nil, changing nothing, when the delivery was already
    /// delivered or erased (the caller deletes the signature's blobs).
    func recordSignature(_ photo: Photo, note: String?, events: [OutboxEvent], audit: AccessEvent?) async throws -> Delivery?
    func idempotentUpload(courierID: String, key: String) async throws -> IdempotencyClaim?
    func photo(id: String) async throws -> Photo?
    /// The delivery's first live photo by slot (a door photo never is one).
    func currentPhoto(deliveryID: String) async throws -> Photo?
    /// The delivery's live photos, by slot.
    func currentPhotos(deliveryID: String) async throws -> [Photo]
    /// Of the given photos' blobs, those that must be kept: a live photo's variants and a live
    /// proof thumbnail.
    func liveBlobKeys(ofPhotos ids: [String]) async throws -> Set<String>
    /// Marks the photo deleted and destroys its data key, in one statement, and enqueues `events`
    /// in the same transaction. Returns its blob keys to the one caller that deleted it; nil when
    /// it was already gone (and then enqueues nothing).
    func deletePhoto(id: String, reason: PhotoDeletionReason, at: Date, events: [OutboxEvent]) async throws -> [String]?
    /// Live photos whose time is up, soonest first, except those an open case of their delivery holds.
    func expiredPhotoIDs(now: Date, limit: Int) async throws -> [String]

    // Proof thumbnails: what outlives the photo for the dispute window.

    /// Like `deletePhoto` with reason `expired` (so not while an open case holds it), keeping the proof thumbnail `proofKey` (already
    /// written, sealed under `dataKey`) until `until`: the photo's own data key is replaced, so
    /// its display image is unreadable at once. Nil when the photo was already gone.
    func reduceToProof(
        id: String, proofKey: String, dataKey: WrappedDataKey, until: Date, at: Date, events: [OutboxEvent]
    ) async throws -> [String]?
    /// The delivery's live proof thumbnails, oldest first.
    func proofThumbnails(deliveryID: String) async throws -> [StoredProofThumbnail]
    /// Live proof thumbnails whose window has closed, soonest first, except those an open case holds.
    func dueProofThumbnails(now: Date, limit: Int) async throws -> [StoredProofThumbnail]
    /// Destroys the proof thumbnail's data key; true for the one caller that did (its blob is
    /// then theirs to delete). `dueBy`: only if its window has closed by then and no open case
    /// holds it (the sweep; checked in the same statement, so a case opened since the proof was
    /// listed still holds it). `reason`: recorded as the photo's deletion reason (a recipient's
    /// delete), else the photo keeps its own.
    func endProofThumbnail(photoID: String, dueBy: Date?, reason: PhotoDeletionReason?) async throws -> Bool
    /// Every photo a delivery ever had, deleted ones included.
    func photoProofs(deliveryID: String) async throws -> [PhotoProof]
}
