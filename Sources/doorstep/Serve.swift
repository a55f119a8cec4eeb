import ArgumentParser
import DoorstepServer
import DoorstepServices
import Foundation
import Hummingbird

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (the default command).")

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "Address to listen on. Env: DOORSTEP_HOSTNAME. Default: 127.0.0.1")
    var hostname: String?

    @Option(name: .long, help: "Port to listen on. Env: DOORSTEP_PORT. Default: 8080")
    var port: Int?

    @Option(name: .long, help: "Public base URL used in customer links. Env: DOORSTEP_BASE_URL. Default: http://HOST:PORT")
    var baseURL: String?

    @Option(name: .long, help: "Largest upload body in bytes. Env: DOORSTEP_MAX_UPLOAD_BYTES. Default: 20971520 (20 MB)")
    var maxUploadBytes: Int?

    @Option(name: .long, help: "Largest image in pixels. Env: DOORSTEP_MAX_PIXELS. Default: 60000000")
    var maxPixels: Int?

    @Option(name: .long, help: "SMTP relay for recipients' emails, host:port. Env: DOORSTEP_SMTP. Default: none (emails wait in the outbox)")
    var smtp: String?

    @Option(name: .long, help: "Sender address of emails. Env: DOORSTEP_MAIL_FROM. Default: no-reply@doorstep.localhost")
    var mailFrom: String?

    @Flag(name: .long, help: "Don't run the outbox worker in this process (env DOORSTEP_OUTBOX_WORKER=0): for dedicated worker processes, or maintenance.")
    var noOutboxWorker = false

    @Option(name: .long, help: "Attempts before a notification is dead-lettered. Env: DOORSTEP_OUTBOX_MAX_ATTEMPTS. Default: 8")
    var outboxMaxAttempts: Int?

    @Option(name: .long, help: "First retry delay in seconds, doubling after each failure (with jitter). Env: DOORSTEP_OUTBOX_RETRY_BASE. Default: 5")
    var outboxRetryBase: Double?

    @Flag(name: .long, help: "Allow webhooks to private, loopback and link-local addresses (receivers inside your network). Env: DOORSTEP_WEBHOOK_ALLOW_PRIVATE=1. Default: refused")
    var webhookAllowPrivate = false

    @Option(name: .long, help: "Seconds a connection may send nothing (between requests or mid-request) before it is closed. Env: DOORSTEP_IDLE_TIMEOUT. Default: 30")
    var idleTimeout: Int?

    func run() async throws {
        var configuration = try common.configuration()
        if let attempts = try outboxMaxAttempts ?? Environment.int("DOORSTEP_OUTBOX_MAX_ATTEMPTS") {
            guard attempts >= 1 else { throw ValidationError("--outbox-max-attempts must be at least 1") }
            configuration.retry.maxAttempts = attempts
        }
        if let base = outboxRetryBase ?? Environment.value("DOORSTEP_OUTBOX_RETRY_BASE").flatMap(Double.init) {
            guard base > 0 else { throw ValidationError("--outbox-retry-base must be positive") }
            configuration.retry.base = base
        }
        if let relay = smtp ?? Environment.value("DOORSTEP_SMTP") {
            guard let parsed = AppConfiguration.SMTPRelay(relay) else { throw ValidationError("--smtp takes host:port") }
            configuration.smtp = parsed
        }
        configuration.mailFrom = mailFrom ?? Environment.value("DOORSTEP_MAIL_FROM") ?? configuration.mailFrom
        configuration.outboxWorker = !(noOutboxWorker || Environment.value("DOORSTEP_OUTBOX_WORKER") == "0")
        configuration.hostname = hostname ?? Environment.value("DOORSTEP_HOSTNAME") ?? configuration.hostname
        configuration.port = try port ?? Environment.int("DOORSTEP_PORT") ?? configuration.port
        configuration.baseURL = baseURL ?? Environment.value("DOORSTEP_BASE_URL")
        if let bytes = try maxUploadBytes ?? Environment.int("DOORSTEP_MAX_UPLOAD_BYTES") {
            guard bytes > 0 else { throw ValidationError("--max-upload-bytes must be positive") }
            configuration.limits.maxBytes = bytes
        }
        if let pixels = try maxPixels ?? Environment.int("DOORSTEP_MAX_PIXELS") {
            guard pixels > 0 else { throw ValidationError("--max-pixels must be positive") }
            configuration.limits.maxPixels = pixels
        }
        configuration.webhookAllowPrivateNetworks = webhookAllowPrivate
            || ["1", "true", "yes"].contains(Environment.value("DOORSTEP_WEBHOOK_ALLOW_PRIVATE")?.lowercased() ?? "")
        if let seconds = try idleTimeout ?? Environment.int("DOORSTEP_IDLE_TIMEOUT") {
            guard seconds > 0 else { throw ValidationError("--idle-timeout must be positive") }
            configuration.idleTimeout = TimeInterval(seconds)
        }
        let logger = common.logger(configuration)
        let (hostname, data) = (configuration.hostname, configuration.dataDirectory.path)
        try await withServices(configuration, logger: logger) { services in
            let app = try buildApplication(services) { port in
                logger.notice("Doorstep is serving", metadata: [
                    "address": "\(hostname):\(port)",
                    "data": "\(data)",
                ])
            }
            try await app.runService()
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or upgrade the database schema, then exit.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let configuration = try common.configuration()
        try await withStore(configuration, logger: common.logger(configuration), migrate: true) { _ in
            print("schema is up to date")
        }
    }
}
