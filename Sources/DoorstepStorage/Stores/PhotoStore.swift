import DoorstepCore
import Foundation

/// Photos from upload to deletion, and the proof each leaves behind.
public protocol PhotoStore: Sendable {
    /// In ONE transaction: claims the idempotency key (if any), retires the delivery's previous
    /// photo (a retake), records the photo, marks the delivery delivered, queues `events` and
    /// records `audit` (so the upload is in the access log exactly when it happened). The blobs
    /// must already be written. Returns `.duplicate` when the key was already used, changing nothing.
    func recordPhoto(_ photo: Photo, idempotency: IdempotencyClaim?, events: [OutboxEvent], audit: AccessEvent?) async throws -> RecordPhotoResult
    func idempotentUpload(courierID: String, key: String) async throws -> IdempotencyClaim?
    func photo(id: String) async throws -> Photo?
    func currentPhoto(deliveryID: String) async throws -> Photo?
    /// Of the given photo ids, those whose blobs must be kept (photo recorded and not deleted).
    func livePhotoIDs(among ids: [String]) async throws -> Set<String>
    /// Marks the photo deleted and destroys its data key, in one statement, and enqueues `events`
    /// in the same transaction. Returns its blob keys to the one caller that deleted it; nil when
    /// it was already gone (and then enqueues nothing).
    func deletePhoto(id: String, reason: PhotoDeletionReason, at: Date, events: [OutboxEvent]) async throws -> [String]?
    func expiredPhotoIDs(now: Date, limit: Int) async throws -> [String]
    /// Every photo a delivery ever had, deleted ones included.
    func photoProofs(deliveryID: String) async throws -> [PhotoProof]
}
