import DoorstepCore
import DoorstepStorage
import Foundation
import Logging
import ServiceLifecycle

/// Deletes photos whose time is up, keeping a proof thumbnail for the tenant's dispute window,
/// and then proof thumbnails whose window has closed; an open case holds both (`LegalHold`).
/// Idempotent and safe in several processes at once: each photo is claimed by the one conditional
/// UPDATE that destroys its key, so only one process deletes its blobs and writes its audit line.
/// Resumable: a process that dies after the UPDATE leaves blobs no live photo owns, which the
/// orphan sweep removes; the proof record stays.
public struct RetentionSweeper: Service {
    let store: any PhotoStore & AccountStore
    let privacy: PrivacyService
    let interval: TimeInterval
    let metrics: AppMetrics
    let effects: Effects
    let logger: Logger

    public init(
        store: any PhotoStore & AccountStore, privacy: PrivacyService, interval: TimeInterval, metrics: AppMetrics, effects: Effects, logger: Logger
    ) {
        self.store = store
        self.privacy = privacy
        self.interval = interval
        self.metrics = metrics
        self.effects = effects
        self.logger = logger
    }

    public func run() async throws {
        await Periodic.run(every: interval, logger: logger, failure: "retention sweep failed") {
            let deleted = try await sweepOnce()
            if deleted > 0 { logger.info("retention sweep deleted photos", metadata: ["count": "\(deleted)"]) }
        }
    }

    /// Deletes every photo expired by now, then every proof thumbnail whose window has closed;
    /// returns how many photos this process deleted.
    @discardableResult
    public func sweepOnce(batch: Int = 100) async throws -> Int {
        var deleted = 0
        var windows: [String: TimeInterval] = [:]
        while true {
            let expired = try await store.expiredPhotoIDs(now: effects.now(), limit: batch)
            var progressed = false
            for photoID in expired {
                guard let photo = try await store.photo(id: photoID) else { continue }
                if windows[photo.tenantID] == nil {
                    windows[photo.tenantID] = try await store.tenant(id: photo.tenantID)?.settings.disputeWindow ?? 0
                }
                let proofUntil = photo.createdAt.addingTimeInterval(windows[photo.tenantID] ?? 0)
                // A failed attempt's door photo leaves no proof thumbnail: the attempt's facts stay,
                // and what a dispute needs is the delivery's own photo.
                let done = proofUntil > effects.now() && photo.isParcelPhoto
                    ? try await privacy.reduceToProof(photo, until: proofUntil, logger: logger)
                    : try await privacy.deletePhoto(
                        photoID, tenantID: photo.tenantID, deliveryID: photo.deliveryID, reason: .expired, action: .expire, by: .system, actorID: nil)
                if done {
                    deleted += 1
                    metrics.photosExpired(1)
                }
                progressed = true
            }
            // Fewer than a batch, or all taken by another process meanwhile: done.
            if expired.count < batch || !progressed { break }
        }
        while true {
            let now = effects.now()
            let due = try await store.dueProofThumbnails(now: now, limit: batch)
            var progressed = false
            for proof in due {
                if try await privacy.endProofThumbnail(proof, action: .expire, by: .system, actorID: nil, dueBy: now) { progressed = true }
            }
            if due.count < batch || !progressed { return deleted }
        }
    }
}
