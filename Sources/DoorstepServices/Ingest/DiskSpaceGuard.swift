import DoorstepCore
import Foundation
import Logging
import Synchronization

/// Free space where the data folder lives (the SQLite file, the photo blobs and the keys share
/// that filesystem). Below the operator's watermark an upload is answered 503
/// `/problems/storage-full` with Retry-After before a byte of it is read, `/readyz` says so, and the
/// log says it once when space runs low and once when it is back, not once per upload. A full disk
/// is then an answer, not a stream of 500s while the probe says all is well.
public final class DiskSpaceGuard: Sendable {
    private let path: String
    public let watermark: Int64
    private let metrics: AppMetrics
    private let logger: Logger
    private let low = Mutex(false)

    public init(path: String, watermark: Int64, metrics: AppMetrics, logger: Logger) {
        self.path = path
        self.watermark = watermark
        self.metrics = metrics
        self.logger = logger
    }

    /// Bytes an unprivileged writer may still use there, or nil when the filesystem cannot say.
    public func freeBytes() -> Int64? {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return nil }
        return Int64(stats.f_bavail) * Int64(stats.f_frsize)
    }

    /// Whether space is below the watermark now; exports the free bytes and logs a change of state.
    @discardableResult
    public func isLow() -> Bool {
        guard let free = freeBytes() else { return false }
        metrics.dataDiskFreeBytes.set(free)
        let now = free < watermark
        let changed = low.withLock { was in
            defer { was = now }
            return was != now
        }
        if changed {
            let metadata: Logger.Metadata = ["free_bytes": "\(free)", "watermark_bytes": "\(watermark)"]
            if now {
                logger.error("data disk almost full: uploads are refused (503) until space is freed", metadata: metadata)
            } else {
                logger.notice("data disk has room again: uploads are accepted", metadata: metadata)
            }
        }
        return now
    }

    /// Throws `DoorstepError.storageFull` when space is below the watermark.
    public func checkRoom() throws {
        if isLow() { throw DoorstepError.storageFull }
    }
}
