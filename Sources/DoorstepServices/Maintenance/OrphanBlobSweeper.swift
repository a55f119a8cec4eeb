import DoorstepCore
import DoorstepStorage
import Foundation
import Logging
import ServiceLifecycle

/// Removes blobs that no live photo owns: left by a crash between writing blobs and committing,
/// by a failed delete after a retake, or a torn temporary file. Runs at start-up and then
/// periodically. Only blobs older than the grace period are touched, so an upload in flight
/// (blobs written, commit pending) is never swept.
public struct OrphanBlobSweeper: Service {
    let store: any PhotoStore
    let blobs: any BlobStore
    /// How old an unreferenced blob must be before it is removed.
    let gracePeriod: TimeInterval
    let interval: TimeInterval
    let metrics: AppMetrics
    let effects: Effects
    let logger: Logger

    public init(
        store: any PhotoStore, blobs: any BlobStore, gracePeriod: TimeInterval, interval: TimeInterval, metrics: AppMetrics,
        effects: Effects, logger: Logger
    ) {
        self.store = store
        self.blobs = blobs
        self.gracePeriod = gracePeriod
        self.interval = interval
        self.metrics = metrics
        self.effects = effects
        self.logger = logger
    }

    public func run() async throws {
        await Periodic.run(every: interval, logger: logger, failure: "orphan sweep failed") {
            let removed = try await sweepOnce()
            if removed > 0 { logger.info("orphan sweep removed blobs", metadata: ["count": "\(removed)"]) }
        }
    }

    /// One pass; returns how many blobs it removed. `now` defaults to the injected clock; a caller
    /// sweeping "as of" another time for retention must still pass the real time here, or it would
    /// take the blobs of uploads in flight for orphans.
    @discardableResult
    public func sweepOnce(now: Date? = nil) async throws -> Int {
        let cutoff = (now ?? effects.now()).addingTimeInterval(-gracePeriod)
        let old = try await blobs.list(prefix: "photos/").filter { $0.modifiedAt < cutoff }
        let ids = Set(old.compactMap { BlobKey.photoID(in: $0.key) })
        let live = try await store.liveBlobKeys(ofPhotos: Array(ids))
        var removed = 0
        for blob in old {
            if live.contains(blob.key) { continue }
            try await blobs.delete(blob.key)
            removed += 1
        }
        metrics.orphanBlobsRemoved(removed)
        return removed
    }
}
