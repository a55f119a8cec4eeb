import Foundation
import Logging
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
            let probe = try await PostgresConnection.connect(configuration: target.connectionConfiguration, id: 0, logger: logger)
            try? await probe.close()
        } catch {
            // PSQLError hides its details from `description` (they may hold data); say what an
            // administrator needs: where, as whom, and the server's own words when it answered.
            let said = (error as? PSQLError)?.serverInfo?[.message].map { ": \($0)" } ?? ": no answer (is it running, and reachable from here?)"
            throw StoreConfigurationError(
                description: "cannot connect to PostgreSQL at \(target.host):\(target.port) as \(target.user) to \(target.database)\(said)")
        }
        return PostgresClientSource(client: PostgresClient(configuration: configuration, backgroundLogger: logger))
    }

    private init(client: PostgresClient) {
        self.client = client
        running = Task { await client.run() }
    }

    public func withConnection<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await client.withConnection { connection in try await body(connection.sql()) }
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

/// A libpq-style connection URL, as PostgreSQL users write it.
struct PostgresURL {
    var host: String
    var port: Int
    var user: String
    var password: String?
    var database: String

    init(_ text: String) throws {
        guard let components = URLComponents(string: text), ["postgres", "postgresql"].contains(components.scheme),
              let host = components.host, let user = components.user, components.path.count > 1
        else { throw StoreConfigurationError(description: "the database URL must look like postgres://user:password@host:5432/database") }
        self.host = host
        port = components.port ?? 5432
        self.user = user
        password = components.password
        database = String(components.path.dropFirst())
    }

    var clientConfiguration: PostgresClient.Configuration {
        PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: .disable)
    }

    var connectionConfiguration: PostgresConnection.Configuration {
        PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: .disable)
    }
}
