import DoorstepCore
import DoorstepImaging
import DoorstepNotify
import Foundation
import Logging

/// Everything the server needs to start, with defaults that work on a first run.
public struct AppConfiguration: Sendable {
    public var hostname: String = "127.0.0.1"
    public var port: Int = 8080
    /// Folder holding the SQLite file, the photo blobs and the key files.
    public var dataDirectory: URL = URL(fileURLWithPath: "doorstep-data")
    /// Public address used in links sent to customers; defaults to http://hostname:port.
    public var baseURL: String?
    public var limits = ImageLimits()
    public var output = ImageOutputSpec()
    public var qualityThresholds = QualityThresholds.standard
    /// Image workers; one per core, since each decode is single-threaded.
    public var imageWorkers: Int = ProcessInfo.processInfo.activeProcessorCount
    /// How long a retired upload key still opens photos sealed to it (queued offline before a rotation).
    public var uploadKeyGrace: TimeInterval = 7 * 24 * 3600
    /// Decoders run in helper processes (crash isolation); off runs them in the server itself.
    public var decoderIsolation = true
    /// Each decoder helper's address-space limit.
    public var decoderMemoryMB = IsolatedImageProcessor.defaultMemoryLimitMB
    /// The binary started as a decoder helper: this one (tests name the built `doorstep`).
    public var decoderExecutable = "/proc/self/exe"
    /// Uploads allowed to wait for a worker before new ones get 503.
    public var maxQueuedImages: Int = 64
    /// Memory for upload bodies received and processed at once (see `UploadBudget`).
    public var uploadMemoryBytes: Int = 256 << 20
    /// How long an upload waits for room in that budget before it gets 503 (at most half the idle
    /// timeout: a waiting upload's socket is not read, and a silent socket is closed at the idle timeout).
    public var uploadWait: TimeInterval = 10
    /// Uploads one courier may have in that budget at once (admitted or waiting).
    public var uploadsPerCourier: Int = 4
    /// Below this many free bytes on the data folder's disk, uploads get 503 and `/readyz` fails.
    public var minFreeDiskBytes: Int64 = 256 << 20
    public var databaseConnections: Int = 4
    /// PostgreSQL for scale-out (`postgres://user:password@host:5432/db`); nil is the embedded SQLite file.
    public var databaseURL: String?
    /// An S3 bucket for scale-out (`s3://bucket?endpoint=…&region=…`, credentials from the
    /// AWS_* environment); nil is the local blob folder.
    public var blobURL: String?
    public var customerLinkLifetime: TimeInterval = 14 * 24 * 3600
    /// Opt-out links must keep working long after the delivery (RFC 8058 one-click unsubscribe).
    public var preferencesLinkLifetime: TimeInterval = 400 * 24 * 3600
    /// How often the retention sweep looks for expired photos.
    public var retentionSweepInterval: TimeInterval = 5 * 60
    public var courierSessionLifetime: TimeInterval = 12 * 3600
    /// An operator's console session ends after a working day, or sooner once left unused.
    public var operatorSessionLifetime: TimeInterval = 12 * 3600
    public var operatorIdleTimeout: TimeInterval = 30 * 60
    /// How old an unreferenced blob must be before the orphan sweep removes it: far longer than
    /// any upload takes between writing its blobs and committing.
    public var orphanGracePeriod: TimeInterval = 15 * 60
    public var orphanSweepInterval: TimeInterval = 15 * 60
    public var logLevel: Logger.Level = .info
    /// The bearer token Prometheus scrapes `/metrics` with; nil uses (and on first run creates)
    /// the file `keys/metrics.token`, which Prometheus can read as its `credentials_file`.
    public var metricsToken: String?

    // Notifications.
    /// The SMTP server for recipients' emails; nil sends none (they wait in the outbox, and can be
    /// replayed once a server is configured).
    public var smtp: SMTPServer?
    /// From the environment or a file only, never the URL or the command line.
    public var smtpPassword: String?
    public var mailFrom: String = "no-reply@doorstep.localhost"
    /// Kannel's smsbox for text messages (`http://user@host:13013`); nil sends none.
    public var sms: String?
    /// From the environment or a file only.
    public var smsPassword: String?
    /// The sender name or number phones show; nil leaves it to Kannel.
    public var smsFrom: String?
    /// The envelope sender (Return-Path), where bounces go; nil is `mailFrom`.
    public var bounceAddress: String?
    public var mailFromName: String = "Doorstep"
    /// Where vulnerabilities in this deployment are reported (`mailto:…` or an https URL), served in
    /// `/.well-known/security.txt`; nil serves none.
    public var securityContact: String?
    /// Run the outbox worker in this process (a scaled-out deployment may dedicate processes).
    public var outboxWorker: Bool = true
    /// Messages sent at once by one process.
    public var outboxConcurrency: Int = 8
    /// Webhook sends of one tenant at once in one process: a tenant's slow receiver holds this
    /// many of the `outboxConcurrency` slots at most.
    public var webhookSendsPerTenant: Int = 2
    public var retry = RetryPolicy()
    /// How long a claimed message is this process's before another may take it over.
    public var outboxLease: TimeInterval = 60
    /// For one webhook exchange, answer included.
    public var webhookTimeout: TimeInterval = 10
    /// Let webhooks go to private, loopback and link-local addresses (receivers inside the
    /// carrier's network; tests). Off: a tenant cannot make the server call inside.
    public var webhookAllowPrivateNetworks = false
    /// A connection that sends nothing for this long (between requests, or part-way through
    /// one's headers or body) is closed: half-open requests cannot pile up.
    public var idleTimeout: TimeInterval = 30
    /// An upload body that arrives slower than this many bytes a second on average (after its
    /// first 10 s) is refused: it would hold its share of the upload memory for nothing.
    public var minUploadRate: Int = 8 << 10
    /// How long an upload may take before that rate is asked of it (a phone's slow start).
    public var minUploadRateGrace: TimeInterval = 10
    /// Connections one client address may hold open at once (trusted proxies: no limit).
    public var connectionsPerAddress: Int = 256
    /// Whose `X-Forwarded-For` is believed (see `TrustedProxies`); nobody's by default.
    public var trustedProxies = TrustedProxies()
    /// nil turns rate limits off (load tests and benchmarks).
    public var rateLimits: [RateLimits.Action: RatePolicy]? = RateLimits.defaults

    public init() {}

    public var resolvedBaseURL: String {
        var base = baseURL ?? "http://\(hostname):\(port)"
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    /// The domain of the sender address: what we greet SMTP servers with and end Message-IDs in.
    public var senderDomain: String { mailFrom.split(separator: "@").last.map(String.init) ?? "doorstep.localhost" }

    var databasePath: String { dataDirectory.appendingPathComponent("doorstep.sqlite").path }
    var blobDirectory: URL { dataDirectory.appendingPathComponent("blobs") }
    public var keyFolder: String { dataDirectory.appendingPathComponent("keys").path }
    var linkKeyPath: String { dataDirectory.appendingPathComponent("keys/link-signing.key").path }
    var subjectKeyPath: String { dataDirectory.appendingPathComponent("keys/subject-digest.key").path }
    public var metricsTokenPath: String { dataDirectory.appendingPathComponent("keys/metrics.token").path }
    /// Key-encryption keys (`kek-0001.key`, …), in a folder of their own so they can live on
    /// another volume or come from a secrets manager's mount.
    public var kekFolder: String { dataDirectory.appendingPathComponent("keys/kek").path }
}
