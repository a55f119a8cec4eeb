import DoorstepCore
import Foundation
import SQLKit

extension SQLMetadataStore {
    public func createOperator(_ account: OperatorAccount, passwordHash: String) async throws {
        let inserted = try await source.withWrite { db in
            try await db.insertIfAbsent("""
                INSERT INTO operators (id, tenant_id, username, display_name, role, password_hash, created_at)
                VALUES (\(bind: account.id), \(bind: account.tenantID), \(bind: account.username), \(bind: account.displayName),
                        \(bind: account.role.rawValue), \(bind: passwordHash), \(bind: account.createdAt.epochMilliseconds))
                ON CONFLICT DO NOTHING RETURNING 1 AS inserted
                """)
        }
        guard inserted else { throw DoorstepError.conflict(reason: "that username is taken") }
    }

    public func operatorCredentials(username: String) async throws -> (account: OperatorAccount, passwordHash: String)? {
        try await source.withConnection { db in
            guard let row = try await db.raw("""
                SELECT \(unsafeRaw: OperatorRow.columns()), password_hash FROM operators
                WHERE username = \(bind: username) AND disabled_at IS NULL
                """).first() else { return nil }
            return (try row.decode(model: OperatorRow.self, with: OperatorRow.decoder).account,
                    try row.decode(column: "password_hash", as: String.self))
        }
    }

    public func operators(tenantID: String) async throws -> [(account: OperatorAccount, disabledAt: Date?)] {
        try await source.withConnection { db in
            try await db.raw("""
                SELECT \(unsafeRaw: OperatorRow.columns()), disabled_at FROM operators
                WHERE tenant_id = \(bind: tenantID) ORDER BY username
                """).all().map { row in
                (try row.decode(model: OperatorRow.self, with: OperatorRow.decoder).account,
                 try row.decode(column: "disabled_at", as: Int64?.self).map(Date.init(epochMilliseconds:)))
            }
        }
    }

    public func setOperatorDisabled(id: String, tenantID: String, at: Date?) async throws -> Bool {
        try await source.withTransaction { db in
            let changed = try await db.raw("""
                UPDATE operators SET disabled_at = \(bind: at?.epochMilliseconds)
                WHERE id = \(bind: id) AND tenant_id = \(bind: tenantID) RETURNING 1 AS changed
                """).all().count
            guard changed > 0 else { return false }
            // Both ways, as for couriers: a sign-in that straddled the change may have opened one.
            try await db.raw("DELETE FROM operator_sessions WHERE operator_id = \(bind: id)").run()
            return true
        }
    }

    public func operatorTOTPSecret(id: String) async throws -> String? {
        try await source.withConnection { db in
            try await db.raw("SELECT totp_secret FROM operators WHERE id = \(bind: id)").first()?.decode(column: "totp_secret", as: String?.self)
        }
    }

    public func setOperatorTOTP(id: String, tenantID: String, sealedSecret: String?, step: Int64?) async throws -> Bool {
        try await source.withWrite { db in
            try await db.raw("""
                UPDATE operators SET totp_secret = \(bind: sealedSecret), totp_step = \(bind: step)
                WHERE id = \(bind: id) AND tenant_id = \(bind: tenantID)\(unsafeRaw: sealedSecret == nil ? "" : " AND totp_secret IS NULL")
                RETURNING 1 AS changed
                """).first() != nil
        }
    }

    public func useOperatorTOTPStep(id: String, step: Int64) async throws -> Bool {
        try await source.withWrite { db in
            try await db.raw("""
                UPDATE operators SET totp_step = \(bind: step)
                WHERE id = \(bind: id) AND totp_secret IS NOT NULL AND (totp_step IS NULL OR totp_step < \(bind: step)) RETURNING 1 AS taken
                """).first() != nil
        }
    }

    public func operatorTOTPSecrets() async throws -> [(operatorID: String, sealed: String)] {
        try await source.withConnection { db in
            try await db.raw("SELECT id, totp_secret FROM operators WHERE totp_secret IS NOT NULL ORDER BY id").all().map {
                (try $0.decode(column: "id", as: String.self), try $0.decode(column: "totp_secret", as: String.self))
            }
        }
    }

    public func replaceOperatorTOTPSecret(operatorID: String, old: String, new: String) async throws -> Bool {
        try await source.withWrite { db in
            try await db.raw("""
                UPDATE operators SET totp_secret = \(bind: new) WHERE id = \(bind: operatorID) AND totp_secret = \(bind: old) RETURNING 1 AS changed
                """).first() != nil
        }
    }

    public func addOperatorSession(digest: String, operatorID: String, expiresAt: Date, idleUntil: Date) async throws {
        try await source.withWrite { db in
            try await db.raw("""
                INSERT INTO operator_sessions (digest, operator_id, expires_at, idle_until)
                VALUES (\(bind: digest), \(bind: operatorID), \(bind: expiresAt.epochMilliseconds), \(bind: idleUntil.epochMilliseconds))
                """).run()
        }
    }

    public func operatorSession(digest: String, now: Date) async throws -> OperatorSessionRecord? {
        try await source.withConnection { db in
            let now = now.epochMilliseconds
            guard let row = try await db.raw("""
                SELECT \(unsafeRaw: TenantRow.columns(of: "t")), \(unsafeRaw: OperatorRow.columns(of: "o")),
                       s.expires_at AS session_expires_at, s.idle_until AS session_idle_until
                FROM operator_sessions s JOIN operators o ON o.id = s.operator_id JOIN tenants t ON t.id = o.tenant_id
                WHERE s.digest = \(bind: digest) AND s.expires_at > \(bind: now) AND s.idle_until > \(bind: now)
                  AND o.disabled_at IS NULL
                """).first() else { return nil }
            return OperatorSessionRecord(
                account: try row.decode(model: OperatorRow.self, with: OperatorRow.decoder).account,
                tenant: try row.decode(model: TenantRow.self, with: snakeCase).tenant,
                expiresAt: Date(epochMilliseconds: try row.decode(column: "session_expires_at", as: Int64.self)),
                idleUntil: Date(epochMilliseconds: try row.decode(column: "session_idle_until", as: Int64.self)))
        }
    }

    public func touchOperatorSession(digest: String, idleUntil: Date) async throws {
        try await source.withWrite { db in
            try await db.raw("""
                UPDATE operator_sessions SET idle_until = \(bind: idleUntil.epochMilliseconds)
                WHERE digest = \(bind: digest) AND idle_until < \(bind: idleUntil.epochMilliseconds)
                  AND expires_at >= \(bind: idleUntil.epochMilliseconds)
                """).run()
        }
    }

    public func deleteOperatorSession(digest: String) async throws {
        try await source.withWrite { db in
            try await db.raw("DELETE FROM operator_sessions WHERE digest = \(bind: digest)").run()
        }
    }
}

/// An operators row, its columns selected as `op_<name>` so they can sit beside a tenant's.
struct OperatorRow: Decodable {
    static func columns(of alias: String? = nil) -> String {
        prefixedColumnList(["id", "tenant_id", "username", "display_name", "role", "created_at"], prefix: "op_", of: alias)
    }
    static let decoder = SQLRowDecoder(prefix: "op_", keyDecodingStrategy: snakeCase.keyDecodingStrategy)

    var id: String
    var tenantId: String
    var username: String
    var displayName: String
    var role: String
    var createdAt: Int64

    var account: OperatorAccount {
        // A role this version does not know gets the narrower one.
        OperatorAccount(id: id, tenantID: tenantId, username: username, displayName: displayName,
                        role: OperatorRole(rawValue: role) ?? .support, createdAt: Date(epochMilliseconds: createdAt))
    }
}
