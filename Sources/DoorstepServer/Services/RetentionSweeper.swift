import DoorstepCore
import DoorstepStorage
import Foundation
import Logging
import ServiceLifecycle

/// Deletes photos whose time is up. Idempotent and safe in several processes at once: each photo
/// is claimed by the one conditional UPDATE that destroys its key, so only one process deletes
/// its blobs and writes its audit line. Resumable: a process that dies after the UPDATE leaves
/// blobs no live photo owns, which the orphan sweep removes; the proof record stays.
public struct RetentionSweeper: Service {
    let dependencies: AppDependencies

    public init(dependencies: AppDependencies) {
        self.dependencies = dependencies
    }

    public func run() async throws {
        while !Task.isCancelledOrShuttingDown {
            do {
                let deleted = try await sweepOnce()
                if deleted > 0 { dependencies.logger.info("retention sweep deleted photos", metadata: ["count": "\(deleted)"]) }
            } catch {
                dependencies.logger.error("retention sweep failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(dependencies.configuration.retentionSweepInterval)) }
        }
    }

    /// Deletes every photo expired by now; returns how many this process deleted.
    @discardableResult
    public func sweepOnce(batch: Int = 100) async throws -> Int {
        var deleted = 0
        while true {
            let expired = try await dependencies.store.expiredPhotoIDs(now: dependencies.effects.now(), limit: batch)
            var progressed = false
            for photoID in expired {
                guard let photo = try await dependencies.store.photo(id: photoID) else { continue }
                if try await dependencies.privacy.deletePhoto(
                    photoID, tenantID: photo.tenantID, deliveryID: photo.deliveryID, reason: "expired", action: .expire, by: .system, actorID: nil) {
                    deleted += 1
                    dependencies.metrics.photosExpired(1)
                }
                progressed = true
            }
            // Fewer than a batch, or all taken by another process meanwhile: done.
            if expired.count < batch || !progressed { return deleted }
        }
    }
}
