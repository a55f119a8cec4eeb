import ArgumentParser
import DoorstepCore
import DoorstepSecurity
import DoorstepServices
import DoorstepStorage
import Foundation
import Logging

@main
struct Doorstep: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doorstep",
        abstract: "Photo-on-delivery: couriers photograph where they left the parcel; customers see it, privately.",
        subcommands: [
            Serve.self, Migrate.self, TenantCommand.self, CourierCommand.self, Demo.self,
            Sweep.self, KeysCommand.self, RecipientCommand.self, Audit.self, OutboxCommand.self, MigrateData.self,
            CheckPhoto.self, ReceiptCommand.self,
        ],
        defaultSubcommand: Serve.self
    )
}

/// Options every command shares. Each flag can also come from the environment, so a service
/// manager can configure Doorstep without a command line.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Data folder: SQLite file, photos, keys. Env: DOORSTEP_DATA. Default: ./doorstep-data")
    var data: String?

    @Option(name: .long, help: "Log level (trace, debug, info, notice, warning, error, critical). Env: DOORSTEP_LOG_LEVEL")
    var logLevel: String?

    @Option(name: .long, help: "PostgreSQL instead of the SQLite file: postgres://user:password@host:5432/db. Env: DOORSTEP_DATABASE")
    var database: String?

    @Option(name: .long, help: "S3 instead of the local photo folder: s3://bucket?endpoint=URL&region=R (keys from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY). Env: DOORSTEP_BLOBS")
    var blobs: String?

    func configuration() throws -> AppConfiguration {
        var configuration = AppConfiguration()
        if let folder = data ?? Environment.value("DOORSTEP_DATA") {
            configuration.dataDirectory = URL(fileURLWithPath: folder)
        }
        configuration.databaseURL = database ?? Environment.value("DOORSTEP_DATABASE")
        configuration.blobURL = blobs ?? Environment.value("DOORSTEP_BLOBS")
        // A secret: from the environment only, never a command-line argument others can see in `ps`.
        configuration.metricsToken = Environment.value("DOORSTEP_METRICS_TOKEN")
        if let level = logLevel ?? Environment.value("DOORSTEP_LOG_LEVEL") {
            guard let parsed = Logger.Level(rawValue: level) else { throw ValidationError("unknown log level \(level)") }
            configuration.logLevel = parsed
        }
        return configuration
    }

    func logger(_ configuration: AppConfiguration) -> Logger {
        // Logs go to standard error, so standard output carries only what a command prints.
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = configuration.logLevel
            return handler
        }
        var logger = Logger(label: "doorstep")
        logger.logLevel = configuration.logLevel
        return logger
    }
}

enum Environment {
    static func value(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    static func int(_ name: String) throws -> Int? {
        guard let text = value(name) else { return nil }
        guard let number = Int(text) else { throw ValidationError("\(name) must be a whole number") }
        return number
    }
}

/// Runs `body` with what `open` opened, and closes it whatever happens.
func using<Resource, T>(
    _ open: () async throws -> (Resource, @Sendable () async throws -> Void), _ body: (Resource) async throws -> T
) async throws -> T {
    let (resource, close) = try await open()
    do {
        let result = try await body(resource)
        try await close()
        return result
    } catch {
        try? await close()
        throw error
    }
}

/// Every service (the server, and commands that run use cases across stores, blobs and keys).
func withServices<T>(
    _ configuration: AppConfiguration, effects: Effects = .live, logger: Logger, migrate: Bool? = nil,
    _ body: (AppServices) async throws -> T
) async throws -> T {
    try await using({
        let services = try await AppServices.open(configuration, effects: effects, logger: logger, migrate: migrate)
        return (services, services.close)
    }, body)
}

/// The metadata store alone: no image workers, blob store or keys are opened.
func withStore<T>(
    _ configuration: AppConfiguration, logger: Logger, migrate: Bool? = nil, _ body: (SQLMetadataStore) async throws -> T
) async throws -> T {
    try await using({ try await Infrastructure.openStore(configuration, logger: logger, migrate: migrate) }, body)
}

/// Accounts on the metadata store, with a thread of their own for bcrypt.
func withAccounts<T>(_ configuration: AppConfiguration, logger: Logger, _ body: (AccountService) async throws -> T) async throws -> T {
    try await withStore(configuration, logger: logger) { store in
        let pool = BlockingWorkPool(threads: 1, maxQueued: 1)
        return try await using({
            (AccountService(store: store, passwords: PasswordWork(hasher: PasswordHasher(), pool: pool),
                            sessionLifetime: configuration.courierSessionLifetime, effects: .live), pool.shutdown)
        }, body)
    }
}
