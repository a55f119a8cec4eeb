import Crypto
import DoorstepCore
import DoorstepImaging
import DoorstepNotify
import DoorstepSecurity
import DoorstepStorage
import Foundation
import Logging

/// The adapters Doorstep runs on, opened from the configuration: the metadata store, the blob
/// store, the image workers and the key files. `AppServices` builds the use cases on top. A
/// command that needs less opens less (`openStore` alone for `tenant list`).
public struct Infrastructure: Sendable {
    public var configuration: AppConfiguration
    public var store: any MetadataStore
    public var blobs: any BlobStore
    public var images: ImageWorkerPool
    public var linkSigner: LinkSigner
    public var keys: KeyRingStore
    /// The key couriers' pages seal photos to before queueing them on the phone.
    /// The keys couriers' pages seal photos to: the current one, and recently retired ones.
    public var uploadKeys: UploadKeyRing
    /// Signs delivery receipts with each tenant's Ed25519 key, and publishes current and retired keys.
    public var receipts: ReceiptKeys
    public var subjects: SubjectDigest
    public var passwords: PasswordHasher
    public var metrics: AppMetrics
    /// The SMTP server's client; nil when none is configured (emails wait as dead letters).
    public var mail: SMTPClient?
    /// The text-message gateway (Kannel); nil when none is configured.
    public var textMessages: KannelGateway?
    /// The token `/metrics` asks for.
    public var metricsToken: String
    public var effects: Effects
    public var logger: Logger
    /// Closes what `open` opened (the image threads, the database connections).
    public var close: @Sendable () async throws -> Void

    /// Opens (and on first run creates) the embedded default: SQLite file, blob folder, key files.
    /// `migrate` nil means: migrate the embedded SQLite file, but only check a PostgreSQL schema
    /// (scaled-out servers are upgraded by `doorstep migrate`, once, before a rolling deploy).
    public static func open(
        _ configuration: AppConfiguration, effects: Effects = .live, logger: Logger, migrate: Bool? = nil
    ) async throws -> Infrastructure {
        let (store, closeStore) = try await openStore(configuration, logger: logger, migrate: migrate)
        do {
            let blobs = try openBlobs(configuration)
            let mail = try configuration.smtp.map {
                try SMTPClient(server: $0, password: configuration.smtpPassword, heloName: configuration.senderDomain)
            }
            let textMessages = try configuration.sms.map {
                try KannelGateway(url: $0, password: configuration.smsPassword, from: configuration.smsFrom)
            }
            let metrics = AppMetrics()
            let images = ImageWorkerPool(
                processor: try imageProcessor(configuration, metrics: metrics, logger: logger), workers: configuration.imageWorkers, maxQueued: configuration.maxQueuedImages,
                metrics: metrics)
            let metricsToken = try configuration.metricsToken ?? String(decoding: try KeyFile.loadOrCreateBytes(at: configuration.metricsTokenPath) {
                Data(Base64URL.encode(SymmetricKey(size: .bits192).withUnsafeBytes { Array($0) }).utf8)  // 32 characters
            }, as: UTF8.self)
            return Infrastructure(
                configuration: configuration, store: store, blobs: blobs, images: images,
                linkSigner: LinkSigner(key: try KeyFile.loadOrCreate(at: configuration.linkKeyPath)),
                keys: try KeyRingStore(folder: configuration.kekFolder),
                uploadKeys: try UploadKeyRing(folder: configuration.keyFolder, grace: configuration.uploadKeyGrace),
                receipts: try ReceiptKeys(folder: configuration.keyFolder),
                subjects: SubjectDigest(key: try KeyFile.loadOrCreate(at: configuration.subjectKeyPath)),
                passwords: PasswordHasher(), metrics: metrics, mail: mail, textMessages: textMessages, metricsToken: metricsToken, effects: effects, logger: logger,
                close: {
                    try await images.shutdown()
                    try await closeStore()
                })
        } catch {
            try? await closeStore()
            throw error
        }
    }

    /// Decoding in helper processes (the default), or in the server itself.
    static func imageProcessor(_ configuration: AppConfiguration, metrics: AppMetrics, logger: Logger) throws -> any ImageProcessor {
        guard configuration.decoderIsolation else { return try VipsImageProcessor() }
        return IsolatedImageProcessor(
            executable: configuration.decoderExecutable, memoryLimitMB: configuration.decoderMemoryMB,
            onLoss: { loss in
                // Said without anything of the image: which upload it was is in the access log.
                logger.warning("decoder helper lost during a job; the upload got 422", metadata: ["helper": "\(loss)"])
                metrics.decoderHelperLost(loss.cause)
            },
            onStartFailure: { error in
                logger.error("a decoder helper could not start; the upload got 503", metadata: ["reason": "\(error)"])
                metrics.decoderHelperLost("start_failed")
            })
    }

    /// The metadata store alone, migrated or checked as `open` says, with its closer.
    public static func openStore(
        _ configuration: AppConfiguration, logger: Logger, migrate: Bool? = nil
    ) async throws -> (store: SQLMetadataStore, close: @Sendable () async throws -> Void) {
        try FileManager.default.createDirectory(
            at: configuration.dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
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
        return (store, { try await pool.shutdown() })
    }

    /// The configured photo store: the S3 bucket when a URL is given, else the blob folder.
    public static func openBlobs(_ configuration: AppConfiguration) throws -> any BlobStore {
        if let url = configuration.blobURL {
            S3BlobStore(configuration: try .init(url: url, environment: ProcessInfo.processInfo.environment))
        } else {
            try DiskBlobStore(root: configuration.blobDirectory)
        }
    }

    /// The configured database: PostgreSQL when a URL is given, else the SQLite file.
    public static func openDatabase(_ configuration: AppConfiguration, logger: Logger) async throws -> any SQLConnectionSource {
        if let url = configuration.databaseURL {
            return try await PostgresClientSource.open(url: url, size: configuration.databaseConnections, logger: logger)
        }
        return try await SQLiteConnectionPool.open(path: configuration.databasePath, size: configuration.databaseConnections, logger: logger)
    }
}

// It holds every key: printed, it shows its type name only.
extension Infrastructure: Redacted {}
