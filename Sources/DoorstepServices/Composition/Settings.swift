import Configuration
import DoorstepCore
import DoorstepNotify
import Foundation
import Logging

/// One setting, declared once. Its key names both ways to give it — the flag `--idle-timeout` and
/// the environment variable `DOORSTEP_IDLE_TIMEOUT` — and its help and default are what `--help`,
/// `doorstep settings` and the README's table show (a test keeps the README equal to this list).
public struct Setting: Sendable {
    public enum Scope: Sendable {
        /// Where the data lives and how to log: every command that opens the store.
        case everyCommand
        /// Only the server (and `demo`, which prints the server's address).
        case server
    }

    /// The configuration key, in lower camel case (`idleTimeout`).
    public let key: String
    public let scope: Scope
    /// Read from the environment only: a command line is visible to every user in `ps`.
    public let secret: Bool
    /// What the value looks like, for the help (`SECONDS`); empty for a switch.
    public let placeholder: String
    public let defaultText: String
    public let help: String
    let apply: @Sendable (String, inout AppConfiguration) throws -> Void

    init(_ key: String, _ scope: Scope, secret: Bool = false, placeholder: String, default defaultText: String, _ help: String,
         apply: @escaping @Sendable (String, inout AppConfiguration) throws -> Void) {
        (self.key, self.scope, self.secret, self.placeholder) = (key, scope, secret, placeholder)
        (self.defaultText, self.help, self.apply) = (defaultText, help, apply)
    }

    public var isSwitch: Bool { placeholder.isEmpty }
    public var flag: String { "--" + words.joined(separator: "-") }
    public var environmentVariable: String { (["DOORSTEP"] + words).joined(separator: "_").uppercased() }

    /// `idleTimeout` → `["idle", "timeout"]`: the same split swift-configuration makes.
    private var words: [String] {
        var words = [""]
        for character in key {
            if character.isUppercase { words.append("") }
            words[words.count - 1].append(character.lowercased())
        }
        return words
    }
}

public struct SettingError: Error, CustomStringConvertible {
    public let description: String
}

extension Setting {
    /// Every setting Doorstep reads. Add one here and it is a flag, an environment variable, a
    /// line of help and a row of the README's table.
    public static let all: [Setting] = [
        Setting("data", .everyCommand, placeholder: "DIR", default: "./doorstep-data",
                "Data folder: the SQLite file, photos and keys.") { text, configuration in
            configuration.dataDirectory = URL(fileURLWithPath: text)
        },
        Setting("logLevel", .everyCommand, placeholder: "LEVEL", default: "info",
                "trace, debug, info, notice, warning, error or critical.") { text, configuration in
            configuration.logLevel = try oneOf(Logger.Level.allCases.map { ($0.rawValue, $0) }, text)
        },
        Setting("database", .everyCommand, placeholder: "URL", default: "the SQLite file",
                "PostgreSQL for scale-out: `postgres://user:password@host:5432/db?sslmode=verify-full`.") { text, configuration in
            configuration.databaseURL = text
        },
        Setting("blobs", .everyCommand, placeholder: "URL", default: "the data folder",
                "S3 for photos: `s3://bucket?endpoint=URL&region=R` (keys from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`).") { text, configuration in
            configuration.blobURL = text
        },
        Setting("uploadKeyGraceDays", .everyCommand, placeholder: "DAYS", default: "7",
                "How long an upload key retired by `keys rotate-upload` still opens photos sealed to it (queued on phones while offline); `keys rotate-upload` deletes retired keys past it.") { text, configuration in
            configuration.uploadKeyGrace = TimeInterval(try whole(text, in: 0...365)) * 24 * 3600
        },
        Setting("hostname", .server, placeholder: "ADDRESS", default: "127.0.0.1", "Address to listen on.") { text, configuration in
            configuration.hostname = text
        },
        Setting("port", .server, placeholder: "PORT", default: "8080", "Port to listen on.") { text, configuration in
            configuration.port = try whole(text, in: 0...65535)  // 0: any free port, printed at start
        },
        Setting("baseUrl", .server, placeholder: "URL", default: "http://HOSTNAME:PORT",
                "Public address of the server, used in links sent to customers.") { text, configuration in
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw SettingError(description: "must be an http(s) URL")
            }
            configuration.baseURL = text
        },
        Setting("maxUploadBytes", .server, placeholder: "BYTES", default: "20971520 (20 MB)", "Largest upload body.") { text, configuration in
            configuration.limits.maxBytes = try whole(text, in: 1...1 << 31)
        },
        Setting("uploadMemory", .server, placeholder: "BYTES", default: "268435456 (256 MB)",
                "Memory for upload bodies received and processed at once; past it uploads wait (their sockets unread), then get 503 with Retry-After.") { text, configuration in
            configuration.uploadMemoryBytes = try whole(text, in: 1 << 20...1 << 34)
        },
        Setting("uploadWait", .server, placeholder: "SECONDS", default: "10",
                "How long an upload waits for room in the upload memory before it gets 503 (capped at half the idle timeout).") { text, configuration in
            configuration.uploadWait = TimeInterval(try whole(text, in: 1...300))
        },
        Setting("uploadsPerCourier", .server, placeholder: "COUNT", default: "4",
                "Uploads one courier may have in the upload memory at once; more get 503 (a stolen session cannot take it all). Load tests that send as one courier raise it, and say so.") { text, configuration in
            configuration.uploadsPerCourier = try whole(text, in: 1...10_000)
        },
        Setting("minFreeDisk", .server, placeholder: "BYTES", default: "268435456 (256 MB)",
                "Free space the data folder's disk must keep: below it uploads get 503 storage-full and /readyz fails (0: never).") { text, configuration in
            configuration.minFreeDiskBytes = Int64(try whole(text, in: 0...1 << 50))
        },
        Setting("maxPixels", .server, placeholder: "PIXELS", default: "60000000", "Largest image accepted.") { text, configuration in
            configuration.limits.maxPixels = try whole(text, in: 1...1 << 31)
        },
        Setting("decodeSeconds", .server, placeholder: "SECONDS", default: "10",
                "CPU time one image may take to decode and process; past it the upload is refused (422). Wall time instead with --decoder-isolation off (checked row by row for JPEG, between libvips's progress reports otherwise).") { text, configuration in
            configuration.limits.decodeBudget = .seconds(try whole(text, in: 1...120))
        },
        Setting("redactionSearchSide", .server, placeholder: "PIXELS", default: "1280",
                "Faces are searched for on a copy of each photo this size (longest side) and pixelated before it is stored. Smaller is cheaper and misses small faces: on the labelled set, at 1280 px every face from 40 px wide in the 1600 px photo was found (30 px: 83 %), at 640 px every face from 100 px (BENCHMARKS.md, \"Redaction\"). People (bodies) are searched for on a 600 px copy whatever this says. Tenants turn redaction off with people_policy, never here.") { text, configuration in
            configuration.output.redactionSearchSide = try whole(text, in: 320...1600)
        },
        Setting("decoderIsolation", .server, placeholder: "process|off", default: "process",
                "Decode images in sandboxed helper processes (no network, no new programs, a memory limit), so a decoder crash or runaway costs one upload a 422, not the server. `off` decodes in the server: faster by the cost in BENCHMARKS.md, for trusted input only.") { text, configuration in
            switch text {
            case "process": configuration.decoderIsolation = true
            case "off": configuration.decoderIsolation = false
            default: throw SettingError(description: "is process or off")
            }
        },
        Setting("decoderMemory", .server, placeholder: "MB", default: "2048",
                "Address space each decoder helper may use; a hostile image that needs more is refused (422).") { text, configuration in
            configuration.decoderMemoryMB = try whole(text, in: 256...65_536)
        },
        Setting("smtp", .server, placeholder: "URL", default: "none: emails wait in the outbox, replayable",
                "SMTP server for recipients' emails: `smtp://user@host:587` (STARTTLS, required), `smtps://user@host:465` (TLS), `smtp://host:25?tls=off` (unencrypted); `&ca=/path/ca.pem` for a private CA.") { text, configuration in
            configuration.smtp = try SMTPServer(text)
        },
        Setting("smtpPassword", .server, secret: true, placeholder: "PASSWORD", default: "none",
                "Password of the SMTP URL's user.") { text, configuration in
            configuration.smtpPassword = text
        },
        Setting("smtpPasswordFile", .server, placeholder: "FILE", default: "none",
                "A file holding the SMTP password (a secrets manager's mount), instead of `DOORSTEP_SMTP_PASSWORD`.") { text, configuration in
            guard configuration.smtpPassword == nil else { throw SettingError(description: "and DOORSTEP_SMTP_PASSWORD are both set: give one") }
            configuration.smtpPassword = try secretFile(text)
        },
        Setting("mailFrom", .server, placeholder: "ADDRESS", default: "no-reply@doorstep.localhost", "Sender address of emails.") { text, configuration in
            configuration.mailFrom = try mailAddress(text)
        },
        Setting("securityContact", .server, placeholder: "URI", default: "none: no /.well-known/security.txt",
                "Where vulnerabilities are reported (`mailto:security@example.com` or an https URL), published in /.well-known/security.txt.") { text, configuration in
            guard text.hasPrefix("mailto:") || text.hasPrefix("https://"), !Validate.hasControlCharacters(text), text.count <= 500 else {
                throw SettingError(description: "must be a mailto: or https:// address")
            }
            configuration.securityContact = text
        },
        Setting("sms", .server, placeholder: "URL", default: "none: text messages wait in the outbox, replayable",
                "Kannel's smsbox for text messages to recipients with a mobile number: `http://user@kannel.internal:13013`.") { text, configuration in
            guard URLComponents(string: text)?.password == nil else {
                throw SettingError(description: "must not hold the password: give it in DOORSTEP_SMS_PASSWORD or DOORSTEP_SMS_PASSWORD_FILE")
            }
            configuration.sms = text
        },
        Setting("smsPassword", .server, secret: true, placeholder: "PASSWORD", default: "none",
                "Password of the SMS URL's sendsms-user.") { text, configuration in
            configuration.smsPassword = text
        },
        Setting("smsPasswordFile", .server, placeholder: "FILE", default: "none",
                "A file holding the SMS gateway password, instead of `DOORSTEP_SMS_PASSWORD`.") { text, configuration in
            guard configuration.smsPassword == nil else { throw SettingError(description: "and DOORSTEP_SMS_PASSWORD are both set: give one") }
            configuration.smsPassword = try secretFile(text)
        },
        Setting("smsFrom", .server, placeholder: "NAME", default: "Kannel's own", "Sender name (up to 11 letters and digits) or number phones show.") { text, configuration in
            configuration.smsFrom = text
        },
        Setting("bounceAddress", .server, placeholder: "ADDRESS", default: "the sender address",
                "Envelope sender (Return-Path): where undeliverable emails are reported.") { text, configuration in
            configuration.bounceAddress = try mailAddress(text)
        },
        Setting("outboxWorker", .server, placeholder: "BOOL", default: "true",
                "Run the outbox worker in this process; `false` for dedicated worker processes, or maintenance.") { text, configuration in
            configuration.outboxWorker = try bool(text)
        },
        Setting("outboxMaxAttempts", .server, placeholder: "COUNT", default: "8",
                "Attempts before a notification is dead-lettered.") { text, configuration in
            configuration.retry.maxAttempts = try whole(text, in: 1...100)
        },
        Setting("outboxRetryBase", .server, placeholder: "SECONDS", default: "5",
                "First retry delay, doubling after each failure (with jitter).") { text, configuration in
            guard let seconds = Double(text), seconds > 0, seconds <= 86_400 else {
                throw SettingError(description: "must be a number of seconds above 0, at most 86400")
            }
            configuration.retry.base = seconds
        },
        Setting("outboxConcurrency", .server, placeholder: "COUNT", default: "8",
                "Notifications this process sends at once.") { text, configuration in
            configuration.outboxConcurrency = try whole(text, in: 1...256)
        },
        Setting("webhookSendsPerTenant", .server, placeholder: "COUNT", default: "2",
                "Webhook sends of one tenant at once in this process: a tenant's slow receiver holds no more of the slots above.") { text, configuration in
            configuration.webhookSendsPerTenant = try whole(text, in: 1...256)
        },
        Setting("webhookTimeout", .server, placeholder: "SECONDS", default: "10",
                "One webhook attempt, connection to the last byte of the answer; then it is retried later. At most 30, well inside the outbox's 60 s lease.") { text, configuration in
            configuration.webhookTimeout = TimeInterval(try whole(text, in: 1...30))
        },
        Setting("webhookAllowPrivate", .server, placeholder: "", default: "false",
                "Let webhooks reach private, loopback and link-local addresses (receivers inside your own network).") { text, configuration in
            configuration.webhookAllowPrivateNetworks = try bool(text)
        },
        Setting("idleTimeout", .server, placeholder: "SECONDS", default: "30",
                "A connection that sends nothing for this long, between requests or part-way through one, is closed.") { text, configuration in
            configuration.idleTimeout = TimeInterval(try whole(text, in: 1...3600))
        },
        Setting("operatorIdleTimeout", .server, placeholder: "SECONDS", default: "1800 (30 minutes)",
                "An operator console session that nothing has used for this long ends (it ends after 12 hours anyway).") { text, configuration in
            configuration.operatorIdleTimeout = TimeInterval(try whole(text, in: 300...43_200))
        },
        Setting("minUploadRate", .server, placeholder: "BYTES", default: "8192 (8 KB a second)",
                "Upload bodies arriving slower than this on average, after their first 10 s, get 408.") { text, configuration in
            configuration.minUploadRate = try whole(text, in: 1...(1 << 30))
        },
        Setting("connectionsPerAddress", .server, placeholder: "COUNT", default: "256",
                "Connections one client address may hold open; more are closed on arrival (trusted proxies are not limited).") { text, configuration in
            configuration.connectionsPerAddress = try whole(text, in: 1...1_000_000)
        },
        Setting("trustedProxies", .server, placeholder: "NETWORKS", default: "none",
                "Reverse proxies (`10.0.0.0/8,fd00::/8`) whose X-Forwarded-For gives the client's address; nobody else's is read.") { text, configuration in
            configuration.trustedProxies = try TrustedProxies.parse(text)
        },
        Setting("rateLimits", .server, placeholder: "LIMITS", default: "on",
                "`on`, `off` (load tests), or overrides `NAME=COUNT/SECONDS,…` of login (per client address), upload and ticket (per courier), link (a customer link's actions), address (links that do not verify, per client address), webhook_test, evidence_pack and logo (per tenant); see docs/security.md.") { text, configuration in
            configuration.rateLimits = try RateLimits.parse(text)
        },
        Setting("metricsToken", .server, secret: true, placeholder: "TOKEN", default: "created in keys/metrics.token",
                "Bearer token Prometheus scrapes `/metrics` with.") { text, configuration in
            guard text.count >= 16 else { throw SettingError(description: "must be at least 16 characters") }
            configuration.metricsToken = text
        },
    ]

    /// An address that goes into SMTP commands and headers as given: no line break or angle
    /// bracket can smuggle in a command or a header.
    private static func mailAddress(_ text: String) throws(SettingError) -> String {
        guard text.contains("@"), !text.contains(where: { $0.isNewline || $0 == "<" || $0 == ">" }), !Validate.hasControlCharacters(text) else {
            throw SettingError(description: "must be an email address")
        }
        return text
    }

    /// A secret from a file (a secrets manager's mount), without its final newline.
    private static func secretFile(_ path: String) throws(SettingError) -> String {
        guard let data = FileManager.default.contents(atPath: path), let secret = String(data: data, encoding: .utf8) else {
            throw SettingError(description: "cannot be read")
        }
        return secret.trimmingCharacters(in: .newlines)
    }

    private static func whole(_ text: String, in range: ClosedRange<Int>) throws(SettingError) -> Int {
        guard let number = Int(text), range.contains(number) else {
            throw SettingError(description: "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    private static func bool(_ text: String) throws(SettingError) -> Bool {
        try oneOf([("true", true), ("1", true), ("yes", true), ("false", false), ("0", false), ("no", false)], text.lowercased())
    }

    private static func oneOf<Value>(_ choices: [(String, Value)], _ text: String) throws(SettingError) -> Value {
        guard let value = choices.first(where: { $0.0 == text })?.1 else {
            throw SettingError(description: "must be one of \(choices.map(\.0).joined(separator: ", "))")
        }
        return value
    }
}

extension AppConfiguration {
    /// The configuration a command runs with: each setting of `scope` from its flag in
    /// `arguments`, else its environment variable, else its default. Unknown flags, values
    /// without a flag and values that fail validation are errors naming the setting.
    public init(_ scope: Setting.Scope, arguments: [String], environment: [String: String]) throws(SettingError) {
        self.init()
        let settings = Setting.all.filter { scope == .server || $0.scope == .everyCommand }
        let flags = try Self.flagValues(arguments, settings)
        let reader = ConfigReader(providers: [
            InMemoryProvider(name: "flags", values: flags),
            EnvironmentVariablesProvider(environmentVariables: environment.filter { !$0.value.isEmpty }).prefixKeys(with: "doorstep"),
        ])
        for setting in settings {
            guard let text = reader.string(forKey: ConfigKey(setting.key), isSecret: setting.secret) else { continue }
            do {
                try setting.apply(text, &self)
            } catch {
                let reason = (error as? SettingError)?.description ?? "\(error)"
                throw SettingError(description: "\(setting.secret ? "" : setting.flag + " / ")\(setting.environmentVariable) \(reason)")
            }
        }
    }

    /// Reads `--flag value`, `--flag=value` and bare switches into configuration values.
    private static func flagValues(_ arguments: [String], _ settings: [Setting]) throws(SettingError) -> [AbsoluteConfigKey: ConfigValue] {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            let (flag, inline) = argument.firstIndex(of: "=").map {
                (String(argument[..<$0]), Optional(String(argument[argument.index(after: $0)...])))
            } ?? (argument, nil)
            guard flag.hasPrefix("--") else { throw SettingError(description: "unexpected argument '\(argument)'") }
            guard let setting = settings.first(where: { $0.flag == flag }) else {
                throw SettingError(description: "unknown option '\(flag)' (see `doorstep settings`)")
            }
            guard !setting.secret else {
                throw SettingError(description: "\(flag) is read from \(setting.environmentVariable) only, never the command line that others can see")
            }
            let value: String
            if let inline {
                value = inline
            } else if setting.isSwitch {
                value = "true"
            } else if let next = remaining.popFirst(), !next.hasPrefix("--") {
                value = next
            } else {
                throw SettingError(description: "\(flag) needs a value (\(setting.placeholder))")
            }
            values[AbsoluteConfigKey(ConfigKey(setting.key))] = ConfigValue(.string(value), isSecret: false)
        }
        return values
    }
}

extension Setting {
    /// The settings as a Markdown table: the README's, kept equal to this by a test.
    public static var markdownTable: String {
        var lines = ["| flag | environment | default | what it sets |", "|---|---|---|---|"]
        for setting in all {
            let flag = setting.secret ? "—" : "`\(setting.flag)\(setting.isSwitch ? "" : " \(setting.placeholder)")`"
            let scope = setting.scope == .server ? "" : " (every command)"
            lines.append("| \(flag) | `\(setting.environmentVariable)` | \(setting.defaultText) | \(setting.help)\(scope) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The settings as plain text, for `--help`.
    public static func helpText(_ scope: Scope) -> String {
        all.filter { scope == .server || $0.scope == .everyCommand }.map { setting in
            let flag = setting.secret ? "(environment only)" : setting.flag + (setting.isSwitch ? "" : " " + setting.placeholder)
            return "\(flag), \(setting.environmentVariable)\n    \(setting.help) Default: \(setting.defaultText)."
        }.joined(separator: "\n")
    }
}
