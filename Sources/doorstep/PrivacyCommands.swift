import ArgumentParser
import DoorstepCore
import DoorstepServices
import DoorstepStorage
import Logging
import DoorstepSecurity
import Foundation

struct Sweep: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete expired photos, orphaned blobs and expired sessions, tickets and idempotency records once, then exit (for cron; safe beside running servers).")
    @OptionGroup var common: CommonOptions
    @Option(name: .long, help: "Sweep as if it were this ISO 8601 time (to purge ahead of schedule, or to test).")
    var asOf: String?

    func run() async throws {
        let configuration = try common.configuration()
        var effects = Effects.live
        if let asOf {
            guard let date = try? Date(asOf, strategy: .iso8601) else { throw ValidationError("--as-of takes an ISO 8601 time like 2030-01-01T00:00:00Z") }
            effects.now = { date }
        }
        let (expired, orphans, records) = try await withServices(configuration, effects: effects, logger: common.logger(configuration)) { app in
            (try await app.retentionSweeper.sweepOnce(), try await app.orphanSweeper.sweepOnce(now: Date()), try await app.recordSweeper.sweepOnce())
        }
        print("deleted \(expired) expired photo(s), removed \(orphans) orphaned blob(s); purged \(records.sessions) expired session(s), "
              + "\(records.tickets) old capture ticket(s), \(records.idempotencyKeys) old idempotency record(s)")
    }
}

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage encryption and signing keys.", subcommands: [Rotate.self, RotateUpload.self, RotateReceipts.self])

    struct RotateUpload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-upload",
            abstract: "Make a new upload key for couriers' pages; the old one still opens photos sealed to it for --upload-key-grace-days. Servers sharing the key folder switch within seconds.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let configuration = try common.configuration()
            let rotation = try UploadKeyRing.rotate(folder: configuration.keyFolder, grace: configuration.uploadKeyGrace)
            let until = rotation.acceptedUntil.map { " (the last until \(ISO8601DateFormatter().string(from: $0)))" } ?? ""
            print("upload key \(rotation.currentID) is current; \(rotation.stillAccepted) retired key(s) still accepted\(until); \(rotation.deleted) past the grace deleted")
        }
    }

    struct RotateReceipts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-receipts",
            abstract: "Make a new receipt signing secret. Every tenant's old public key stays published under its kid, so receipts signed before still verify; the old secret is not kept.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let configuration = try common.configuration()
            let retired = try await withStore(configuration, logger: common.logger(configuration)) { store in
                try ReceiptKeys.rotate(folder: configuration.keyFolder, tenantIDs: try await store.tenants().map(\.id))
            }
            print("receipt keys rotated; \(retired) old public key(s) stay published")
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a new key-encryption key, rewrap every photo's data key with it, delete the KEKs no longer used.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let configuration = try common.configuration()
            let report = try await withStore(configuration, logger: common.logger(configuration)) { store in
                try await KeyRotation(store: store, keys: try KeyRingStore(folder: configuration.kekFolder)).rotate()
            }
            print("KEK version \(report.newVersion) is current; rewrapped \(report.rewrapped) data key(s); retired versions: \(report.retiredVersions.map(String.init).joined(separator: ", ").ifEmpty("none"))")
        }
    }
}

struct RecipientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recipient", abstract: "Data-protection requests for one recipient.", subcommands: [Export.self, Erase.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print everything held about a recipient as JSON.")
        @OptionGroup var common: CommonOptions
        @OptionGroup var recipient: RecipientOptions

        func run() async throws {
            let configuration = try common.configuration()
            let export = try await withServices(configuration, logger: common.logger(configuration)) { app in
                try await app.privacy.export(tenantID: recipient.tenant, contact: try recipient.contact(), by: .operatorCLI, actorID: nil)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(export), as: UTF8.self))
        }
    }

    struct Erase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a recipient's photos and blank their personal data; keeps proofs, the audit trail and any opt-out.")
        @OptionGroup var common: CommonOptions
        @OptionGroup var recipient: RecipientOptions

        func run() async throws {
            let configuration = try common.configuration()
            let count = try await withServices(configuration, logger: common.logger(configuration)) { app in
                try await app.privacy.erase(tenantID: recipient.tenant, contact: try recipient.contact(), by: .operatorCLI, actorID: nil)
            }
            print("erased \(count) deliver\(count == 1 ? "y" : "ies")")
        }
    }
}

/// Which recipient a data-protection request is about: every delivery to the email or the number.
struct RecipientOptions: ParsableArguments {
    @Option(name: .long, help: "Tenant id.") var tenant: String
    @Option(name: .long, help: "The recipient's email.") var email: String?
    @Option(name: .long, help: "The recipient's mobile number, in international form (+33612345678).") var phone: String?

    func contact() throws -> RecipientContact {
        do { return try RecipientContact(email: email, phone: phone) } catch { throw ValidationError("give --email, --phone or both: \(error)") }
    }
}

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the access audit trail, newest first.")
    @OptionGroup var common: CommonOptions
    @Option(name: .long, help: "Only this tenant.") var tenant: String?
    @Option(name: .long, help: "Only this delivery.") var delivery: String?
    @Option(name: .long, help: "How many events at most.") var limit: Int = 100

    func run() async throws {
        let configuration = try common.configuration()
        let events = try await withStore(configuration, logger: common.logger(configuration)) { store in
            if let delivery { return Array(try await store.accessEvents(deliveryID: delivery).reversed()) }
            return try await store.accessEvents(tenantID: tenant, limit: limit)
        }
        for event in events.prefix(limit) {
            print([event.at.formatted(.iso8601), event.action.rawValue, event.actor.rawValue, event.actorID ?? "-",
                   "delivery=\(event.deliveryID ?? "-")", "photo=\(event.photoID ?? "-")"].joined(separator: "  "))
        }
    }
}

extension String {
    func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}

struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox", abstract: "Inspect and replay notifications.", subcommands: [List.self, Replay.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List outbox messages, newest first.")
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "pending, done or dead.") var state: String?
        @Option(name: .long) var limit: Int = 100

        func run() async throws {
            let configuration = try common.configuration()
            let wanted = try state.map { text -> OutboxMessage.State in
                guard let state = OutboxMessage.State(rawValue: text) else { throw ValidationError("--state is pending, done or dead") }
                return state
            }
            let messages = try await withStore(configuration, logger: common.logger(configuration)) { store in
                try await store.outboxMessages(state: wanted, endpointID: nil, limit: limit)
            }
            for message in messages {
                print([message.id, message.state.rawValue, message.channel.rawValue, message.event.type.rawValue,
                       "attempts=\(message.attempts)", message.lastError ?? "-"].joined(separator: "  "))
            }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send dead-lettered messages again (all of them, or the ids given).")
        @OptionGroup var common: CommonOptions
        @Option(name: .customLong("id"), help: "A message id (repeat for several); none means every dead message.") var ids: [String] = []

        func run() async throws {
            let configuration = try common.configuration()
            let count = try await withStore(configuration, logger: common.logger(configuration)) { store in
                let targets = ids.isEmpty ? try await store.outboxMessages(state: .dead, endpointID: nil, limit: 10_000).map(\.id) : ids
                var replayed = 0
                for id in targets where try await store.replayOutboxMessage(id: id, endpointID: nil, at: Date()) { replayed += 1 }
                return replayed
            }
            print("replayed \(count) message(s)")
        }
    }
}

struct MigrateData: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate-data",
        abstract: "Move an embedded deployment to PostgreSQL (and its photos to S3). Safe to run again after an interruption.")
    @Option(name: .long, help: "The SQLite file: sqlite:/path/to/doorstep-data/doorstep.sqlite") var from: String
    @Option(name: .long, help: "PostgreSQL: postgres://user:password@host:5432/db") var to: String
    @Option(name: .long, help: "The local photo folder, e.g. doorstep-data/blobs") var blobsFrom: String?
    @Option(name: .long, help: "The S3 bucket: s3://bucket?endpoint=URL (keys from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)") var blobsTo: String?

    func run() async throws {
        guard from.hasPrefix("sqlite:") else { throw ValidationError("--from takes sqlite:/path/to/doorstep.sqlite") }
        guard (blobsFrom == nil) == (blobsTo == nil) else { throw ValidationError("--blobs-from and --blobs-to go together") }
        var logger = Logger(label: "doorstep")
        logger.logLevel = .warning
        let sqlite = try await SQLiteConnectionPool.open(path: String(from.dropFirst("sqlite:".count)), size: 2, logger: logger)
        let postgres = try await PostgresClientSource.open(url: to, size: 2, logger: logger)
        do {
            let (sourceRows, targetRows) = try await DataMigration(from: sqlite, to: postgres).copyRows()
            for table in DataMigration.tables {
                let (had, has) = (sourceRows[table] ?? 0, targetRows[table] ?? 0)
                print("\(table): \(had) row(s) in SQLite, \(has) in PostgreSQL\(has < had ? "  MISSING \(had - has)" : "")")
            }
            if let blobsFrom, let blobsTo {
                let copied = try await DataMigration.copyBlobs(
                    from: try DiskBlobStore(root: URL(fileURLWithPath: blobsFrom)),
                    to: S3BlobStore(configuration: try .init(url: blobsTo, environment: ProcessInfo.processInfo.environment)))
                print("photos: \(copied) blob(s) copied to S3")
            }
            try await sqlite.shutdown()
            try await postgres.shutdown()
        } catch {
            try? await sqlite.shutdown()
            try? await postgres.shutdown()
            throw error
        }
    }
}
