import ArgumentParser
import DoorstepCore
import DoorstepSecurity
import DoorstepServices
import DoorstepStorage
import Foundation
import Logging

struct Doorstep: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doorstep",
        abstract: "Photo-on-delivery: couriers photograph where they left the parcel; customers see it, privately.",
        discussion: "Commands that open the store take --data, --database, --blobs and --log-level; `doorstep settings` lists every setting.",
        subcommands: [
            Serve.self, Migrate.self, TenantCommand.self, CourierCommand.self, OperatorCommand.self, Demo.self,
            Sweep.self, KeysCommand.self, RecipientCommand.self, Audit.self, OutboxCommand.self, MigrateData.self,
            CheckPhoto.self, ReceiptCommand.self, EvidenceCommand.self, SettingsCommand.self, CheckConfig.self,
        ],
        defaultSubcommand: Serve.self
    )
}

/// The settings a command takes (`Setting.all`, declared once in DoorstepServices): whatever
/// the command's own options don't claim is read as settings, strictly (an unknown flag is an
/// error), then the environment, then the defaults.
struct CommonOptions: ParsableArguments {
    @Argument(parsing: .allUnrecognized, help: .hidden)
    var settings: [String] = []

    func configuration(_ scope: Setting.Scope = .everyCommand) throws -> AppConfiguration {
        do {
            return try AppConfiguration(scope, arguments: settings, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError(error.description)
        }
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

/// The metadata store, with a thread of its own for bcrypt.
func withPasswordWork<T>(
    _ configuration: AppConfiguration, logger: Logger, _ body: (SQLMetadataStore, PasswordWork) async throws -> T
) async throws -> T {
    try await withStore(configuration, logger: logger) { store in
        let pool = BlockingWorkPool(threads: 1, maxQueued: 1)
        return try await using({ (PasswordWork(hasher: PasswordHasher(), pool: pool), pool.shutdown) }) { try await body(store, $0) }
    }
}

/// Tenants, keys and couriers on the metadata store.
func withAccounts<T>(_ configuration: AppConfiguration, logger: Logger, _ body: (AccountService) async throws -> T) async throws -> T {
    try await withPasswordWork(configuration, logger: logger) { store, passwords in
        try await body(AccountService(store: store, passwords: passwords, sessionLifetime: configuration.courierSessionLifetime, effects: .live))
    }
}

/// The tenants' staff on the metadata store.
func withOperators<T>(_ configuration: AppConfiguration, logger: Logger, _ body: (OperatorAccounts) async throws -> T) async throws -> T {
    try await withPasswordWork(configuration, logger: logger) { store, passwords in
        try await body(OperatorAccounts(
            store: store, passwords: passwords, keys: try KeyRingStore(folder: configuration.kekFolder), lifetime: configuration.operatorSessionLifetime,
            idleTimeout: configuration.operatorIdleTimeout, effects: .live))
    }
}

struct SettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings", abstract: "List every setting: flag, environment variable, default.")

    @Flag(name: .long, help: "Print the Markdown table the README holds.")
    var markdown = false

    func run() {
        print(markdown ? Setting.markdownTable : Setting.helpText(.server), terminator: markdown ? "" : "\n")
    }
}
