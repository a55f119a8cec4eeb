import DoorstepCore
import Foundation
import Logging
import NIOSSL
import PostgresKit
import PostgresNIO
import SQLKit

/// PostgreSQL through postgres-nio's `PostgresClient`: its own pool (connections opened on
/// demand up to the limit, kept alive, replaced when one fails), so a server restart or a network
/// blip heals without a restart of Doorstep.
public final class PostgresClientSource: SQLConnectionSource {
    public let engine = SQLEngine.postgres
    private let client: PostgresClient
    /// The client's run loop. It runs from `open` to `shutdown`: the store serves migrations and
    /// command-line tools before (and without) any service group, so it cannot wait for one.
    private let running: Task<Void, Never>

    /// `url` is `postgres://user[:password]@host[:port]/database`. A server that cannot be reached
    /// or refuses the credentials fails here, at once, with its own error.
    public static func open(url: String, size: Int = 8, logger: Logger) async throws -> PostgresClientSource {
        var configuration = try PostgresURL(url).clientConfiguration
        // One more than the statements may use: the live-event relay holds one for LISTEN.
        configuration.options.maximumConnections = max(1, size) + 1
        // The pool would retry a refused connection for a minute before failing callers: try one now.
        let target = try PostgresURL(url)
        do {
            let probe = try await PostgresConnection.connect(configuration: try target.connectionConfiguration, id: 0, logger: logger)
            try? await probe.close()
        } catch {
            // PSQLError hides its details from `description` (they may hold data); say what an
            // administrator needs: where, as whom, and the server's own words when it answered,
            // or the TLS failure (an untrusted or mismatched certificate) when that was it.
            let said: String
            if let server = (error as? PSQLError)?.serverInfo?[.message] {
                said = ": \(server)"
            } else if let tls = Self.tlsFailure(in: error) {
                said = ": TLS failed (sslmode=\(target.sslMode.rawValue)): \(tls)"
            } else {
                said = ": no answer (is it running, and reachable from here?)"
            }
            throw StoreConfigurationError(
                description: "cannot connect to PostgreSQL at \(target.host):\(target.port) as \(target.user) to \(target.database)\(said)")
        }
        return PostgresClientSource(client: PostgresClient(configuration: configuration, backgroundLogger: logger))
    }

    /// The TLS error under a connection failure, in words: a certificate that is not trusted or
    /// names another host.
    static func tlsFailure(in error: any Error) -> String? {
        var underlying: (any Error)? = error
        while let current = underlying {
            if let ssl = current as? NIOSSLError { return "\(ssl)" }
            if let ssl = current as? BoringSSLError { return "\(ssl)" }
            if let ssl = current as? NIOSSLExtraError { return "\(ssl)" }
            underlying = (current as? PSQLError)?.underlying
        }
        return nil
    }

    private init(client: PostgresClient) {
        self.client = client
        running = Task { await client.run() }
    }

    public func withConnection<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        do {
            return try await client.withConnection { connection in try await body(connection.sql()) }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "53100" {
            // disk_full on the database server: the same answer as a full photo disk (503).
            throw DoorstepError.storageFull
        }
    }

    /// Calls `handler` with each notification on `channel`, on a connection of its own, until
    /// cancelled or the connection fails (the caller reconnects).
    public func listen(channel: String, _ handler: @escaping @Sendable (String) async -> Void) async throws {
        try await client.withConnection { connection in
            try await connection.listen(on: channel) { notifications in
                for try await notification in notifications { await handler(notification.payload) }
            }
        }
    }

    public func shutdown() async throws {
        running.cancel()
        await running.value
    }
}

/// A libpq-style connection URL, as PostgreSQL users write it:
/// `postgres://user[:password]@host[:port]/database[?sslmode=…&sslrootcert=FILE&hostaddr=IP]`.
/// `sslmode` as libpq: `disable`, `prefer` (the default: TLS when the server offers it,
/// unverified), `require` (TLS, unverified), `verify-ca` (TLS, certificate chain checked),
/// `verify-full` (TLS, chain and host name checked). `sslrootcert` names the CA file to trust
/// instead of the system's store.
struct PostgresURL {
    enum SSLMode: String, CaseIterable {
        case disable, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    var host: String
    /// Where to connect when it is not `host` (libpq's `hostaddr`): TLS still checks `host`.
    var hostAddress: String?
    var port: Int
    var user: String
    var password: String?
    var database: String
    var sslMode: SSLMode
    var rootCertificate: String?

    init(_ text: String) throws {
        guard let components = URLComponents(string: text), ["postgres", "postgresql"].contains(components.scheme),
              let host = components.host, let user = components.user, components.path.count > 1
        else { throw StoreConfigurationError(description: "the database URL must look like postgres://user:password@host:5432/database") }
        self.host = host
        port = components.port ?? 5432
        self.user = user
        password = components.password
        database = String(components.path.dropFirst())
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        for name in query.keys where !["sslmode", "sslrootcert", "hostaddr"].contains(name) {
            throw StoreConfigurationError(
                description: "the database URL has a parameter Doorstep does not know: \(name) (sslmode, sslrootcert and hostaddr are)")
        }
        hostAddress = query["hostaddr"].flatMap { $0.isEmpty ? nil : $0 }
        guard let mode = SSLMode(rawValue: query["sslmode"] ?? SSLMode.prefer.rawValue) else {
            throw StoreConfigurationError(
                description: "sslmode must be one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        sslMode = mode
        rootCertificate = query["sslrootcert"].flatMap { $0.isEmpty ? nil : $0 }
        // The TLS stack checks a certificate against a host name only: asked to check an address,
        // it would silently check nothing. Say so instead of pretending.
        if mode == .verifyFull && HostName.isAddress(host) {
            throw StoreConfigurationError(description: "sslmode=verify-full needs the server's host name as on its certificate, not the address \(host) (use hostaddr=\(host) beside the name to connect to that address)")
        }
    }

    /// The name TLS presents (SNI) and checks; none for an address.
    var serverName: String? { HostName.tlsServerName(host) }

    /// The TLS client settings the mode asks for; nil for `disable`.
    func tlsConfiguration() throws -> TLSConfiguration? {
        if sslMode == .disable { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case .disable, .prefer, .require: tls.certificateVerification = .none
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        if let rootCertificate {
            guard FileManager.default.isReadableFile(atPath: rootCertificate) else {
                throw StoreConfigurationError(description: "sslrootcert \(rootCertificate) cannot be read")
            }
            tls.trustRoots = .file(rootCertificate)
        }
        return tls
    }

    var clientConfiguration: PostgresClient.Configuration {
        get throws {
            let tls: PostgresClient.Configuration.TLS = switch (sslMode, try tlsConfiguration()) {
            case (_, nil): .disable
            case (.prefer, let configuration?): .prefer(configuration)
            case (_, let configuration?): .require(configuration)
            }
            var configuration = PostgresClient.Configuration(
                host: hostAddress ?? host, port: port, username: user, password: password, database: database, tls: tls)
            configuration.options.tlsServerName = serverName
            return configuration
        }
    }

    var connectionConfiguration: PostgresConnection.Configuration {
        get throws {
            let tls: PostgresConnection.Configuration.TLS = switch (sslMode, try tlsConfiguration()) {
            case (_, nil): .disable
            case (.prefer, let configuration?): .prefer(try NIOSSLContext(configuration: configuration))
            case (_, let configuration?): .require(try NIOSSLContext(configuration: configuration))
            }
            var configuration = PostgresConnection.Configuration(
                host: hostAddress ?? host, port: port, username: user, password: password, database: database, tls: tls)
            configuration.options.tlsServerName = serverName
            return configuration
        }
    }
}
