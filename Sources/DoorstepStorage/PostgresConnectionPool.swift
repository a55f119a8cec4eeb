import Foundation
import Logging
import PostgresKit
import SQLKit

/// A fixed set of connections to PostgreSQL. A connection found closed (server restart, network
/// blip) is replaced when next lent, so the pool heals without a restart of Doorstep.
public final class PostgresConnectionPool: SQLConnectionSource {
    public let engine = SQLEngine.postgres
    private let lender: ConnectionLender<Slot>
    private let slots: [Slot]
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger

    /// One place in the pool; holds whichever connection currently fills it.
    final class Slot: @unchecked Sendable {
        // Touched only by the task that has the slot checked out (the lender hands it to one at a time).
        var connection: PostgresConnection?
        let id: Int
        init(id: Int) { self.id = id }
    }

    /// `url` is `postgres://user[:password]@host[:port]/database`.
    public static func open(url: String, size: Int = 8, logger: Logger) async throws -> PostgresConnectionPool {
        let pool = PostgresConnectionPool(configuration: try configuration(from: url), size: max(1, size), logger: logger)
        try await pool.withConnection { db in _ = try await db.raw("SELECT 1 AS ok").first() }  // fail fast on a bad URL
        return pool
    }

    private init(configuration: PostgresConnection.Configuration, size: Int, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.slots = (0..<size).map(Slot.init)
        self.lender = ConnectionLender(slots)
    }

    public func withConnection<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await lender.lend { slot in
            if slot.connection == nil || slot.connection!.isClosed {
                slot.connection = try await PostgresConnection.connect(configuration: configuration, id: slot.id, logger: logger)
            }
            return try await body(slot.connection!.sql())
        }
    }

    /// Calls `handler` with each notification on `channel`, on a connection of its own, until
    /// cancelled or the connection fails (the caller reconnects).
    public func listen(channel: String, _ handler: @escaping @Sendable (String) async -> Void) async throws {
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 10_000 + slots.count, logger: logger)
        do {
            try await connection.listen(on: channel) { notifications in
                for try await notification in notifications { await handler(notification.payload) }
            }
            try? await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }

    public func shutdown() async throws {
        for slot in slots {
            try? await slot.connection?.close()
            slot.connection = nil
        }
    }

    static func configuration(from url: String) throws -> PostgresConnection.Configuration {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme),
              let host = components.host, let user = components.user, components.path.count > 1
        else { throw StoreConfigurationError(description: "the database URL must look like postgres://user:password@host:5432/database") }
        return PostgresConnection.Configuration(
            host: host, port: components.port ?? 5432, username: user, password: components.password,
            database: String(components.path.dropFirst()), tls: .disable)
    }
}

public struct StoreConfigurationError: Error, CustomStringConvertible {
    public var description: String
}
