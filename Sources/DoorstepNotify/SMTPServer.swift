import Foundation

/// Where recipients' emails go, as one URL-like setting:
/// - `smtp://[user@]host[:587]`: STARTTLS, required (a server that does not offer it is refused);
/// - `smtps://[user@]host[:465]`: TLS from the first byte;
/// - `smtp://host:25?tls=off`: unencrypted, for a relay on the same machine or network. Sending a
///   password this way is refused unless `&plain-auth=allow` says so too.
/// `ca=/path/ca.pem` trusts a private CA instead of the system's store. The password never goes in
/// the URL: it comes from the environment or a file, and is never logged.
public struct SMTPServer: Sendable, Equatable {
    public enum Security: String, Sendable { case startTLS, implicitTLS, none }

    public var host: String
    public var port: Int
    public var security: Security
    public var user: String?
    public var caFile: String?

    public init(host: String, port: Int, security: Security, user: String? = nil, caFile: String? = nil) {
        (self.host, self.port, self.security, self.user, self.caFile) = (host, port, security, user, caFile)
    }

    public init(_ text: String) throws(NotifyConfigurationError) {
        let example = "smtp://user@mail.example.com:587 (STARTTLS), smtps://user@mail.example.com:465 (TLS) or smtp://127.0.0.1:25?tls=off"
        guard let components = URLComponents(string: text), let scheme = components.scheme, ["smtp", "smtps"].contains(scheme),
              let host = components.host, !host.isEmpty, components.path.isEmpty || components.path == "/"
        else { throw NotifyConfigurationError(description: "the SMTP setting must look like \(example)") }
        guard components.password == nil else {
            throw NotifyConfigurationError(description: "the SMTP password must not be in the URL (URLs end up in logs and `ps`): give it in DOORSTEP_SMTP_PASSWORD or DOORSTEP_SMTP_PASSWORD_FILE")
        }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        for name in query.keys where !["tls", "plain-auth", "ca"].contains(name) {
            throw NotifyConfigurationError(description: "the SMTP setting has a parameter Doorstep does not know: \(name) (tls, plain-auth and ca are)")
        }
        switch (scheme, query["tls"]) {
        case ("smtps", nil): security = .implicitTLS
        case ("smtp", nil): security = .startTLS
        case ("smtp", "off"): security = .none
        default: throw NotifyConfigurationError(description: "tls=off is the only tls choice, and only with smtp://")
        }
        // URLComponents keeps an IPv6 address's brackets; connecting wants the bare address.
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        port = components.port ?? (security == .implicitTLS ? 465 : security == .startTLS ? 587 : 25)
        guard (1...65535).contains(port) else { throw NotifyConfigurationError(description: "the SMTP port must be 1 to 65535") }
        user = components.user.flatMap { $0.isEmpty ? nil : $0 }  // already percent-decoded
        caFile = query["ca"].flatMap { $0.isEmpty ? nil : $0 }
        if security == .none && user != nil && query["plain-auth"] != "allow" {
            throw NotifyConfigurationError(description: "refusing to send the SMTP password unencrypted (tls=off): use STARTTLS or TLS, or add &plain-auth=allow if the relay is on a network you trust")
        }
        if security == .none && caFile != nil {
            throw NotifyConfigurationError(description: "ca= is for TLS, but tls=off sends unencrypted")
        }
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw NotifyConfigurationError(description: "the SMTP CA file \(caFile) cannot be read")
        }
    }
}
