import Metrics
import class Prometheus.PrometheusCollectorRegistry
import struct Prometheus.PrometheusMetricsFactory

/// Every metric Doorstep exports, named in one place and served in the Prometheus text format at
/// `/metrics`. Recorded through swift-metrics into this application's own registry (not the
/// process-wide one: tests run many applications side by side).
///
/// Labels never carry personal data or anything a client chose: routes are templates
/// (`/api/v1/courier/deliveries/:id/photo`, never an id), outcomes and channels are fixed words.
public final class AppMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory

    public init() {
        factory = PrometheusMetricsFactory(registry: registry)
        imageJobsInFlight = Meter(label: "doorstep_image_jobs_in_flight", factory: factory)
        imageQueueWait = Timer(label: "doorstep_image_queue_wait_seconds", factory: factory)
        imageProcessing = Timer(label: "doorstep_image_processing_seconds", factory: factory)
        imageJobsRefused = Counter(label: "doorstep_image_jobs_refused_total", factory: factory)
        uploadBytesInFlight = Meter(label: "doorstep_upload_bytes_in_flight", factory: factory)
        uploadBudgetWait = Timer(label: "doorstep_upload_budget_wait_seconds", factory: factory)
        uploadsRefused = Counter(label: "doorstep_uploads_refused_total", factory: factory)
        dataDiskFreeBytes = Meter(label: "doorstep_data_disk_free_bytes", factory: factory)
    }

    /// The Prometheus text exposition of everything recorded so far.
    public func exposition() -> [UInt8] { registry.emitToBuffer() }

    // MARK: HTTP

    /// One finished request: counted by route template, method and status; timed by route and method.
    /// The method is the client's choice of word: one outside the standard ones counts as `other`,
    /// or a client could grow the registry without bound by inventing methods.
    public func request(method: String, route: String, status: Int, duration: Duration) {
        let method = Self.standardMethods.contains(method) ? method : "other"
        Counter(label: "doorstep_http_requests_total", dimensions: [("method", method), ("route", route), ("status", String(status))],
                factory: factory).increment()
        Timer(label: "doorstep_http_request_duration_seconds", dimensions: [("method", method), ("route", route)], factory: factory)
            .record(duration)
    }

    static let standardMethods: Set = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    // MARK: Image pipeline (ImageWorkerPool)

    /// Uploads holding a worker or waiting for one.
    public let imageJobsInFlight: Meter
    /// From admission to a worker starting on the image.
    public let imageQueueWait: Timer
    /// Decode, resize, encode and quality signals of one image, on its worker.
    public let imageProcessing: Timer
    /// Uploads answered 503 because every worker was busy and the queue full.
    public let imageJobsRefused: Counter

    // MARK: Upload memory (UploadBudget)

    /// Bytes of upload bodies admitted and not yet done with.
    public let uploadBytesInFlight: Meter
    /// How long uploads that did not fit at once waited for room.
    public let uploadBudgetWait: Timer
    /// Uploads answered 503 because the memory budget stayed full (or too many were waiting).
    public let uploadsRefused: Counter
    /// Free bytes on the data folder's filesystem, as last checked (each upload and readiness probe).
    public let dataDiskFreeBytes: Meter

    // MARK: Outcomes

    /// A courier's photo upload that reached the store: `stored`, or `replayed` (a retry with the
    /// same Idempotency-Key).
    public func photoUpload(_ outcome: String) {
        Counter(label: "doorstep_photo_uploads_total", dimensions: [("outcome", outcome)], factory: factory).increment()
    }

    /// A notification attempt by the outbox: channel `email` or `webhook`; outcome `delivered`,
    /// `retry` or `dead`.
    public func outboxAttempt(channel: String, outcome: String) {
        Counter(label: "doorstep_outbox_attempts_total", dimensions: [("channel", channel), ("outcome", outcome)], factory: factory)
            .increment()
    }

    /// Photos made unreadable by the retention sweep (their time was up).
    public func photosExpired(_ count: Int) {
        Counter(label: "doorstep_photos_expired_total", factory: factory).increment(by: count)
    }

    /// A request refused by a rate limit (`RateLimits.Action`: login, upload, ticket, link, address).
    public func rateLimited(_ action: String) {
        Counter(label: "doorstep_rate_limited_total", dimensions: [("action", action)], factory: factory).increment()
    }

    /// A connection closed on arrival: its address already had as many open as allowed.
    public func connectionRefused() {
        Counter(label: "doorstep_connections_refused_total", factory: factory).increment()
    }

    /// A decoder helper lost in the middle of a job (`cause`: cpu_budget, stopped, crashed, exited), or one that could not start (start_failed).
    public func decoderHelperLost(_ cause: String) {
        Counter(label: "doorstep_decoder_helpers_lost_total", dimensions: [("cause", cause)], factory: factory).increment()
    }

    /// Blobs with no photo behind them, removed by the orphan sweep.
    public func orphanBlobsRemoved(_ count: Int) {
        Counter(label: "doorstep_orphan_blobs_removed_total", factory: factory).increment(by: count)
    }
}

extension Timer {
    public func record(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
