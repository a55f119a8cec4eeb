import DoorstepImaging
import DoorstepNotify
import DoorstepStorage
import Foundation
import Logging

/// `doorstep check-config`: tries each configured connection the way a server will use it and
/// says, in words an administrator can act on, what works and what does not. Nothing is changed:
/// the schema is checked, not migrated; the photo store gets one probe object, deleted at once;
/// the mail server is greeted, upgraded to TLS and logged in to, and sent no message.
public enum ConfigurationCheck {
    public struct Finding: Sendable {
        public enum Status: String, Sendable { case ok, failed, off }
        public let subject: String
        public let status: Status
        public let detail: String
    }

    public static func run(_ configuration: AppConfiguration, logger: Logger) async -> [Finding] {
        [await database(configuration, logger: logger), await photos(configuration), decoders(configuration),
         await mail(configuration), await textMessages(configuration)]
    }

    static func decoders(_ configuration: AppConfiguration) -> Finding {
        guard configuration.decoderIsolation else {
            return Finding(subject: "decoders", status: .off, detail: "images are decoded in the server (DOORSTEP_DECODER_ISOLATION=off)")
        }
        let processor = IsolatedImageProcessor(executable: configuration.decoderExecutable, memoryLimitMB: configuration.decoderMemoryMB)
        defer { processor.shutdown() }
        do {
            try processor.start()
            return Finding(subject: "decoders", status: .ok, detail: "helper processes start, sandboxed (seccomp, \(configuration.decoderMemoryMB) MB)")
        } catch {
            return Finding(subject: "decoders", status: .failed, detail: "\(error); DOORSTEP_DECODER_ISOLATION=off decodes in the server instead")
        }
    }

    static func database(_ configuration: AppConfiguration, logger: Logger) async -> Finding {
        let name = configuration.databaseURL.map { "PostgreSQL at \(where: $0)" } ?? "SQLite file \(configuration.databasePath)"
        if configuration.databaseURL == nil && !FileManager.default.fileExists(atPath: configuration.databasePath) {
            return Finding(subject: "database", status: .ok, detail: "\(name) (made on first start)")
        }
        do {
            let (_, close) = try await Infrastructure.openStore(configuration, logger: logger, migrate: false)
            try await close()
            return Finding(subject: "database", status: .ok, detail: "\(name), schema up to date")
        } catch {
            return Finding(subject: "database", status: .failed, detail: "\(name): \(error)")
        }
    }

    static func photos(_ configuration: AppConfiguration) async -> Finding {
        let name = configuration.blobURL.map { url in
            let components = URLComponents(string: url)
            let endpoint = components?.queryItems?.first { $0.name == "endpoint" }?.value
            return "S3 bucket \(components?.host ?? "?")" + (endpoint.map { " at \(where: $0)" } ?? "")
        } ?? "folder \(configuration.blobDirectory.path)"
        do {
            let blobs = try Infrastructure.openBlobs(configuration)
            let key = "check-config/\(UUID().uuidString.lowercased())", probe = Array("doorstep check-config".utf8)
            try await blobs.put(key, bytes: probe)
            let readBack = try await blobs.get(key)
            try await blobs.delete(key)
            guard readBack == probe else { return Finding(subject: "photos", status: .failed, detail: "\(name): wrote a probe but read back something else") }
            return Finding(subject: "photos", status: .ok, detail: "\(name): write, read and delete work")
        } catch {
            return Finding(subject: "photos", status: .failed, detail: "\(name): \(error)")
        }
    }

    static func mail(_ configuration: AppConfiguration) async -> Finding {
        guard let server = configuration.smtp else {
            return Finding(subject: "mail", status: .off, detail: "no SMTP server set (DOORSTEP_SMTP): emails wait in the outbox")
        }
        let name = "SMTP \(server.host):\(server.port) (\(server.security == .none ? "unencrypted" : server.security == .startTLS ? "STARTTLS" : "TLS")\(server.user == nil ? "" : ", AUTH"))"
        do {
            try await SMTPClient(server: server, password: configuration.smtpPassword, heloName: configuration.senderDomain).check()
            return Finding(subject: "mail", status: .ok, detail: "\(name): greeted\(server.security == .none ? "" : ", certificate accepted")\(server.user == nil ? "" : ", logged in")")
        } catch {
            return Finding(subject: "mail", status: .failed, detail: "\(name): \(error)")
        }
    }
}

extension ConfigurationCheck {
    static func textMessages(_ configuration: AppConfiguration) async -> Finding {
        guard let url = configuration.sms else {
            return Finding(subject: "sms", status: .off, detail: "no SMS gateway set (DOORSTEP_SMS): text messages wait in the outbox")
        }
        let name = "Kannel at \(where: url)"
        do {
            try await KannelGateway(url: url, password: configuration.smsPassword, from: configuration.smsFrom).check()
            return Finding(subject: "sms", status: .ok, detail: "\(name): smsbox answers and accepts the user")
        } catch {
            return Finding(subject: "sms", status: .failed, detail: "\(name): \(error)")
        }
    }
}

extension String.StringInterpolation {
    /// A URL's host and port only: never its user, password or query.
    mutating func appendInterpolation(where url: String) {
        let components = URLComponents(string: url)
        appendLiteral((components?.host ?? "?") + (components?.port.map { ":\($0)" } ?? ""))
    }
}
