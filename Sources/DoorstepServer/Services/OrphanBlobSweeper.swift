import DoorstepStorage
import Foundation
import Logging
import ServiceLifecycle

/// Removes blobs that no live photo owns: left by a crash between writing blobs and committing,
/// by a failed delete after a retake, or a torn temporary file. Runs at start-up and then
/// periodically. Only blobs older than the grace period are touched, so an upload in flight
/// (blobs written, commit pending) is never swept.
public struct OrphanBlobSweeper: Service {
    let dependencies: AppDependencies

    public init(dependencies: AppDependencies) {
        self.dependencies = dependencies
    }

    public func run() async throws {
        let interval = dependencies.configuration.orphanSweepInterval
        while !Task.isCancelledOrShuttingDown {
            do {
                let removed = try await sweepOnce()
                if removed > 0 { dependencies.logger.info("orphan sweep removed blobs", metadata: ["count": "\(removed)"]) }
            } catch {
                dependencies.logger.error("orphan sweep failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(interval)) }
        }
    }

    /// One pass; returns how many blobs it removed. `now` defaults to the injected clock; a caller
    /// sweeping "as of" another time for retention must still pass the real time here, or it would
    /// take the blobs of uploads in flight for orphans.
    @discardableResult
    public func sweepOnce(now: Date? = nil) async throws -> Int {
        let cutoff = (now ?? dependencies.effects.now()).addingTimeInterval(-dependencies.configuration.orphanGracePeriod)
        let old = try await dependencies.blobs.list(prefix: "photos/").filter { $0.modifiedAt < cutoff }
        let ids = Set(old.compactMap { BlobKey.photoID(in: $0.key) })
        let live = try await dependencies.store.livePhotoIDs(among: Array(ids))
        var removed = 0
        for blob in old {
            let owner = BlobKey.photoID(in: blob.key)
            if let owner, live.contains(owner) { continue }
            try await dependencies.blobs.delete(blob.key)
            removed += 1
        }
        dependencies.metrics.orphanBlobsRemoved(removed)
        return removed
    }
}

extension Task where Success == Never, Failure == Never {
    static var isCancelledOrShuttingDown: Bool {
        Task.isCancelled || Task.isShuttingDownGracefully
    }
}
