import Crypto
import DoorstepCore
import DoorstepImaging
import DoorstepSecurity
import DoorstepStorage
import Foundation
import Logging

/// The composition root: stores, imaging, keys and domain services, built once from the
/// configuration. The server and the command line both start here, so there is one wiring path.
public struct AppDependencies: Sendable {
    public let configuration: AppConfiguration
    public let store: any MetadataStore
    public let blobs: any BlobStore
    public let images: ImageWorkerPool
    public let links: LinkSigner
    public let keys: KeyRingStore
    /// The key couriers' pages seal photos to before queueing them on the phone.
    public let uploadKey: SealedUpload.Key
    /// Signs delivery receipts with each tenant's Ed25519 key.
    public let receipts: ReceiptSigner
    public let subjects: SubjectDigest
    public let passwords: PasswordHasher
    public let live: LiveEvents
    public let outboxSignal: OutboxSignal
    public let metrics: AppMetrics
    /// Digest of the token `/metrics` asks for.
    let metricsTokenDigest: String
    public let effects: Effects
    public let logger: Logger
    private let closeStore: @Sendable () async throws -> Void

    /// Assembles dependencies from parts: for tests that wrap a store or blob store to inject faults.
    public init(
        configuration: AppConfiguration, store: any MetadataStore, blobs: any BlobStore, images: ImageWorkerPool,
        links: LinkSigner, keys: KeyRingStore, uploadKey: SealedUpload.Key, receipts: ReceiptSigner, subjects: SubjectDigest,
        passwords: PasswordHasher, metrics: AppMetrics, metricsToken: String,
        effects: Effects, logger: Logger, closeStore: @escaping @Sendable () async throws -> Void
    ) {
        self.configuration = configuration
        self.store = store
        self.blobs = blobs
        self.images = images
        self.links = links
        self.keys = keys
        self.uploadKey = uploadKey
        self.receipts = receipts
        self.subjects = subjects
        self.passwords = passwords
        self.live = LiveEvents()
        self.outboxSignal = OutboxSignal()
        self.metrics = metrics
        self.metricsTokenDigest = SecretToken.digest(metricsToken)
        self.effects = effects
        self.logger = logger
        self.closeStore = closeStore
    }

    /// Opens (and on first run creates) the embedded default: SQLite file, blob folder, key files.
    /// `migrate` nil means: migrate the embedded SQLite file, but only check a PostgreSQL schema
    /// (scaled-out servers are upgraded by `doorstep migrate`, once, before a rolling deploy).
    public static func open(
        _ configuration: AppConfiguration, effects: Effects = .live, logger: Logger, migrate: Bool? = nil
    ) async throws -> AppDependencies {
        let manager = FileManager.default
        try manager.createDirectory(at: configuration.dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let pool = try await openDatabase(configuration, logger: logger)
        let store = SQLMetadataStore(source: pool)
        do {
            if migrate ?? (configuration.databaseURL == nil) {
                try await store.migrate()
            } else {
                try await store.checkSchema()
            }
        } catch {
            try? await pool.shutdown()
            throw error
        }
        let blobs: any BlobStore = if let url = configuration.blobURL {
            S3BlobStore(configuration: try .init(url: url, environment: ProcessInfo.processInfo.environment))
        } else {
            try DiskBlobStore(root: configuration.blobDirectory)
        }
        let links = LinkSigner(key: try KeyFile.loadOrCreate(at: configuration.linkKeyPath))
        let keys = try KeyRingStore(folder: configuration.kekFolder)
        let subjects = SubjectDigest(key: try KeyFile.loadOrCreate(at: configuration.subjectKeyPath))
        let metrics = AppMetrics()
        let images = try ImageWorkerPool(
            processor: VipsImageProcessor(), workers: configuration.imageWorkers, maxQueued: configuration.maxQueuedImages,
            metrics: metrics)
        let metricsToken = try configuration.metricsToken ?? String(decoding: KeyFile.loadOrCreateBytes(at: configuration.metricsTokenPath) {
            Data(Base64URL.encode(SymmetricKey(size: .bits192).withUnsafeBytes { Array($0) }).utf8)  // 32 characters
        }, as: UTF8.self)
        return AppDependencies(
            configuration: configuration, store: store, blobs: blobs, images: images, links: links,
            keys: keys, uploadKey: try SealedUpload.Key.loadOrCreate(folder: configuration.keyFolder),
            receipts: try ReceiptSigner.loadOrCreate(folder: configuration.keyFolder),
            subjects: subjects, passwords: PasswordHasher(), metrics: metrics, metricsToken: metricsToken, effects: effects, logger: logger,
            closeStore: { try await pool.shutdown() })
    }

    /// The configured database: PostgreSQL when a URL is given, else the SQLite file.
    public static func openDatabase(_ configuration: AppConfiguration, logger: Logger) async throws -> any SQLConnectionSource {
        if let url = configuration.databaseURL {
            return try await PostgresConnectionPool.open(url: url, size: configuration.databaseConnections, logger: logger)
        }
        return try await SQLiteConnectionPool.open(path: configuration.databasePath, size: configuration.databaseConnections, logger: logger)
    }

    public func close() async throws {
        try await images.shutdown()
        try await closeStore()
    }

    public var accounts: AccountService { AccountService(dependencies: self) }
    public var deliveries: DeliveryService { DeliveryService(dependencies: self) }
    public var ingest: PhotoIngestService { PhotoIngestService(dependencies: self) }
    public var customerAccess: CustomerAccessService { CustomerAccessService(dependencies: self) }
    public var vault: PhotoVault { PhotoVault(dependencies: self) }
    public var privacy: PrivacyService { PrivacyService(dependencies: self) }
    public var evidence: EvidenceService { EvidenceService(dependencies: self) }
    public var announcer: Announcer { Announcer(dependencies: self) }
}

// Every service holds the dependencies, and with them every key: a service described in a log
// line (swift-service-lifecycle does so at debug level) must not print them.
extension AppDependencies: Redacted {}
