import DoorstepCore
import DoorstepImaging
import NIOPosix
import Synchronization

/// Runs image processing on its own threads, one per core, so decoding never blocks an event
/// loop or Swift's cooperative pool. Admission is bounded: past `maxQueued` waiting jobs an
/// upload is refused at once (503) rather than queued into memory without limit.
public final class ImageWorkerPool: Sendable {
    private let processor: any ImageProcessor
    private let threadPool: NIOThreadPool
    private let maxInFlight: Int
    private let inFlight = Mutex(0)
    private let metrics: AppMetrics

    public init(processor: any ImageProcessor, workers: Int, maxQueued: Int, metrics: AppMetrics = AppMetrics()) {
        self.processor = processor
        self.metrics = metrics
        self.threadPool = NIOThreadPool(numberOfThreads: max(1, workers))
        self.maxInFlight = max(1, workers) + max(0, maxQueued)
        threadPool.start()
    }

    public func process(_ bytes: [UInt8], limits: ImageLimits, output: ImageOutputSpec) async throws -> ProcessedImage {
        let metrics = self.metrics
        // The exported gauge is set from the admission count under its lock: one count, not two kept in step.
        let admitted = inFlight.withLock { count in
            guard count < maxInFlight else { return false }
            count += 1
            metrics.imageJobsInFlight.set(count)
            return true
        }
        guard admitted else {
            metrics.imageJobsRefused.increment()
            throw DoorstepError.overloaded
        }
        defer {
            inFlight.withLock { count in
                count -= 1
                metrics.imageJobsInFlight.set(count)
            }
        }
        let processor = self.processor
        let admittedAt = ContinuousClock.now
        return try await threadPool.runIfActive {
            let started = ContinuousClock.now
            metrics.imageQueueWait.record(started - admittedAt)
            defer { metrics.imageProcessing.record(ContinuousClock.now - started) }
            return try processor.process(bytes, limits: limits, output: output)
        }
    }

    /// Checks that the processor can work (its helper processes start), before the server opens.
    public func start() throws {
        try processor.start()
    }

    public func shutdown() async throws {
        try await threadPool.shutdownGracefully()
        processor.shutdown()
    }
}
