import DoorstepCore
import Foundation
import SQLKit

extension SQLMetadataStore {
    public func createTenant(_ tenant: Tenant) async throws {
        try await source.withWrite { db in
            try await db.raw("""
                INSERT INTO tenants (id, name, created_at, retention_seconds, consent_modes, email_includes_photo,
                                     quality_policy, radius_at_address_m, radius_near_m, ticket_policy,
                                     people_policy, people_policy_reason, dispute_window_seconds, photos_per_delivery,
                                     handover_proof)
                VALUES (\(bind: tenant.id), \(bind: tenant.name), \(bind: tenant.createdAt.epochMilliseconds),
                        \(bind: Int64(tenant.settings.retention)), \(bind: try TenantRow.encode(tenant.settings.consentModes)),
                        \(bind: tenant.settings.emailIncludesPhoto ? 1 : 0), \(bind: tenant.settings.qualityPolicy.rawValue),
                        \(bind: tenant.settings.locationRadii.atAddress), \(bind: tenant.settings.locationRadii.near),
                        \(bind: tenant.settings.ticketPolicy.rawValue), \(bind: tenant.settings.peoplePolicy.rawValue),
                        \(bind: tenant.settings.peoplePolicyReason), \(bind: Int64(tenant.settings.disputeWindow)),
                        \(bind: tenant.settings.photosPerDelivery), \(bind: tenant.settings.handoverProof.rawValue))
                """).run()
        }
    }

    public func tenants() async throws -> [Tenant] {
        try await source.withConnection { db in
            try await db.raw("SELECT \(unsafeRaw: TenantRow.columns()) FROM tenants ORDER BY created_at, id")
                .all(decoding: TenantRow.self, with: snakeCase).map(\.tenant)
        }
    }

    public func tenant(id: String) async throws -> Tenant? {
        try await source.withConnection { db in
            try await db.raw("SELECT \(unsafeRaw: TenantRow.columns()) FROM tenants WHERE id = \(bind: id)")
                .first(decoding: TenantRow.self, with: snakeCase)?.tenant
        }
    }

    public func updateSettings(_ settings: TenantSettings, tenantID: String) async throws {
        try await source.withWrite { db in
            try await db.raw("""
                UPDATE tenants SET retention_seconds = \(bind: Int64(settings.retention)),
                    consent_modes = \(bind: try TenantRow.encode(settings.consentModes)),
                    email_includes_photo = \(bind: settings.emailIncludesPhoto ? 1 : 0),
                    quality_policy = \(bind: settings.qualityPolicy.rawValue),
                    radius_at_address_m = \(bind: settings.locationRadii.atAddress),
                    radius_near_m = \(bind: settings.locationRadii.near),
                    ticket_policy = \(bind: settings.ticketPolicy.rawValue),
                    people_policy = \(bind: settings.peoplePolicy.rawValue),
                    people_policy_reason = \(bind: settings.peoplePolicyReason),
                    dispute_window_seconds = \(bind: Int64(settings.disputeWindow)),
                    photos_per_delivery = \(bind: settings.photosPerDelivery),
                    handover_proof = \(bind: settings.handoverProof.rawValue)
                WHERE id = \(bind: tenantID)
                """).run()
        }
    }

    public func updateBranding(_ branding: TenantBranding, tenantID: String) async throws {
        try await source.withWrite { db in
            try await db.raw("""
                UPDATE tenants SET brand_display_name = \(bind: branding.displayName), brand_accent_color = \(bind: branding.accentColor),
                    brand_support_email = \(bind: branding.supportEmail), brand_support_url = \(bind: branding.supportURL)
                WHERE id = \(bind: tenantID)
                """).run()
        }
    }

    public func setBrandLogo(_ logo: TenantBranding.Logo?, jpeg: [UInt8]?, tenantID: String) async throws {
        try await source.withTransaction { db in
            try await db.raw("DELETE FROM brand_logos WHERE tenant_id = \(bind: tenantID)").run()
            if let logo, let jpeg {
                try await db.raw("""
                    INSERT INTO brand_logos (tenant_id, digest, jpeg)
                    VALUES (\(bind: tenantID), \(bind: logo.digest), \(bind: Data(jpeg).base64EncodedString()))
                    """).run()
            }
            try await db.raw("""
                UPDATE tenants SET brand_logo_digest = \(bind: logo?.digest), brand_logo_width = \(bind: logo?.width),
                    brand_logo_height = \(bind: logo?.height)
                WHERE id = \(bind: tenantID)
                """).run()
        }
    }

    public func brandLogo(digest: String) async throws -> [UInt8]? {
        try await source.withConnection { db in
            let row = try await db.raw("SELECT jpeg FROM brand_logos WHERE digest = \(bind: digest) LIMIT 1").first()
            return try row.flatMap { Data(base64Encoded: try $0.decode(column: "jpeg", as: String.self)) }.map { [UInt8]($0) }
        }
    }

    @discardableResult
    public func addAPIKey(_ key: APIKeyRecord, tenantID: String, digest: String, liveLimit: Int?) async throws -> Bool {
        try await source.withTransaction { db in
            if let liveLimit {
                try await Self.lockKeys(of: tenantID, on: db, engine: source.engine)
                let live = try await Self.liveKeys(of: tenantID, on: db)
                guard live.count < liveLimit else { return false }
            }
            try await db.raw("""
                INSERT INTO api_keys (id, tenant_id, digest, prefix, name, scopes, created_at)
                VALUES (\(bind: key.id), \(bind: tenantID), \(bind: digest), \(bind: key.prefix), \(bind: key.name),
                        \(bind: APIKeyRow.encode(key.scopes)), \(bind: key.createdAt.epochMilliseconds))
                """).run()
            return true
        }
    }

    public func revokeAPIKeyKeepingAnAdmin(id: String, tenantID: String, at: Date) async throws -> APIKeyRevocation {
        try await source.withTransaction { db in
            try await Self.lockKeys(of: tenantID, on: db, engine: source.engine)
            let live = try await Self.liveKeys(of: tenantID, on: db)
            guard let key = live.first(where: { $0.id == id }) else { return .noSuchKey }
            if key.scopes.contains(.admin), live.count(where: { $0.scopes.contains(.admin) }) == 1 { return .lastAdminKey }
            try await db.raw("UPDATE api_keys SET revoked_at = \(bind: at.epochMilliseconds) WHERE id = \(bind: id)").run()
            return .revoked
        }
    }

    /// Holds the tenant's row until the transaction ends, so checks over its keys and the write
    /// they allow happen as one. SQLite's BEGIN IMMEDIATE already serialises every writer.
    private static func lockKeys(of tenantID: String, on db: any SQLDatabase, engine: SQLEngine) async throws {
        if engine == .postgres {
            _ = try await db.raw("SELECT id FROM tenants WHERE id = \(bind: tenantID) FOR UPDATE").all()
        }
    }

    private static func liveKeys(of tenantID: String, on db: any SQLDatabase) async throws -> [APIKeyRecord] {
        try await db.raw("""
            SELECT \(unsafeRaw: APIKeyRow.columns()) FROM api_keys WHERE tenant_id = \(bind: tenantID) AND revoked_at IS NULL
            """).all(decoding: APIKeyRow.self, with: APIKeyRow.decoder).map(\.record)
    }

    public func apiKey(digest: String) async throws -> (tenant: Tenant, key: APIKeyRecord)? {
        try await source.withConnection { db in
            guard let row = try await db.raw("""
                SELECT \(unsafeRaw: TenantRow.columns(of: "t")), \(unsafeRaw: APIKeyRow.columns(of: "k")) FROM api_keys k
                JOIN tenants t ON t.id = k.tenant_id
                WHERE k.digest = \(bind: digest) AND k.revoked_at IS NULL
                """).first()
            else { return nil }
            return (try row.decode(model: TenantRow.self, with: snakeCase).tenant, try row.decode(model: APIKeyRow.self, with: APIKeyRow.decoder).record)
        }
    }

    public func apiKeys(tenantID: String) async throws -> [APIKeyRecord] {
        try await source.withConnection { db in
            try await db.raw("""
                SELECT \(unsafeRaw: APIKeyRow.columns()) FROM api_keys WHERE tenant_id = \(bind: tenantID) ORDER BY created_at, id
                """).all(decoding: APIKeyRow.self, with: APIKeyRow.decoder).map(\.record)
        }
    }

    public func revokeAPIKey(id: String, tenantID: String, at: Date) async throws -> Bool {
        try await source.withWrite { db in
            try await !db.raw("""
                UPDATE api_keys SET revoked_at = \(bind: at.epochMilliseconds)
                WHERE id = \(bind: id) AND tenant_id = \(bind: tenantID) AND revoked_at IS NULL RETURNING id
                """).all().isEmpty
        }
    }

    public func markAPIKeyUsed(id: String, at: Date) async throws {
        try await source.withWrite { db in
            try await db.raw("UPDATE api_keys SET last_used_at = \(bind: at.epochMilliseconds) WHERE id = \(bind: id)").run()
        }
    }

    public func createCourier(_ courier: Courier, passwordHash: String) async throws {
        let inserted = try await source.withWrite { db in
            try await db.insertIfAbsent("""
                INSERT INTO couriers (id, tenant_id, username, display_name, password_hash, created_at)
                VALUES (\(bind: courier.id), \(bind: courier.tenantID), \(bind: courier.username),
                        \(bind: courier.displayName), \(bind: passwordHash), \(bind: courier.createdAt.epochMilliseconds))
                ON CONFLICT DO NOTHING RETURNING 1 AS inserted
                """)
        }
        guard inserted else { throw DoorstepError.conflict(reason: "that username is taken") }
    }

    public func courierCredentials(username: String) async throws -> (courier: Courier, passwordHash: String)? {
        try await source.withConnection { db in
            try await db.raw("""
                SELECT \(unsafeRaw: CourierRow.columns()), password_hash FROM couriers
                WHERE username = \(bind: username) AND disabled_at IS NULL
                """).first(decoding: CourierCredentialsRow.self, with: snakeCase).map { ($0.courier, $0.passwordHash) }
        }
    }

    public func courier(username: String) async throws -> (courier: Courier, disabledAt: Date?)? {
        try await source.withConnection { db in
            guard let row = try await db.raw("""
                SELECT \(unsafeRaw: CourierRow.columns()), disabled_at FROM couriers WHERE username = \(bind: username)
                """).first() else { return nil }
            let courier = try row.decode(model: CourierRow.self, with: snakeCase).courier
            return (courier, try row.decode(column: "disabled_at", as: Int64?.self).map(Date.init(epochMilliseconds:)))
        }
    }

    public func setCourierDisabled(courierID: String, at: Date?) async throws {
        try await source.withTransaction { db in
            // Only a change of state counts: disabling again keeps the first time, and enabling an
            // active courier leaves their sessions alone.
            let state: SQLQueryString = at == nil ? "disabled_at IS NOT NULL" : "disabled_at IS NULL"
            let changed = try await db.raw("""
                UPDATE couriers SET disabled_at = \(bind: at?.epochMilliseconds) WHERE id = \(bind: courierID) AND \(state) RETURNING 1 AS changed
                """).all().count
            guard changed > 0 else { return }
            // Both ways: a sign-in whose password check straddled the disable may have opened a
            // session since; enabling must not bring it back.
            try await db.raw("DELETE FROM courier_sessions WHERE courier_id = \(bind: courierID)").run()
        }
    }

    public func courier(id: String, tenantID: String) async throws -> Courier? {
        try await source.withConnection { db in
            try await db.raw("""
                SELECT \(unsafeRaw: CourierRow.columns()) FROM couriers WHERE id = \(bind: id) AND tenant_id = \(bind: tenantID)
                """).first(decoding: CourierRow.self, with: snakeCase)?.courier
        }
    }

    public func addCourierSession(digest: String, courierID: String, expiresAt: Date) async throws {
        try await source.withWrite { db in
            try await db.raw("""
                INSERT INTO courier_sessions (digest, courier_id, expires_at)
                VALUES (\(bind: digest), \(bind: courierID), \(bind: expiresAt.epochMilliseconds))
                """).run()
        }
    }

    public func courier(forSessionDigest digest: String, now: Date) async throws -> Courier? {
        try await source.withConnection { db in
            try await db.raw("""
                SELECT \(unsafeRaw: CourierRow.columns(of: "c"))
                FROM courier_sessions s JOIN couriers c ON c.id = s.courier_id
                WHERE s.digest = \(bind: digest) AND s.expires_at > \(bind: now.epochMilliseconds) AND c.disabled_at IS NULL
                """).first(decoding: CourierRow.self, with: snakeCase)?.courier
        }
    }

    public func couriers(tenantID: String) async throws -> [(courier: Courier, disabledAt: Date?)] {
        try await source.withConnection { db in
            try await db.raw("""
                SELECT \(unsafeRaw: CourierRow.columns()), disabled_at FROM couriers WHERE tenant_id = \(bind: tenantID) ORDER BY username
                """).all().map { row in
                (try row.decode(model: CourierRow.self, with: snakeCase).courier,
                 try row.decode(column: "disabled_at", as: Int64?.self).map(Date.init(epochMilliseconds:)))
            }
        }
    }

    public func courierCount(tenantID: String) async throws -> Int {
        try await source.withConnection { db in
            try await db.raw("SELECT COUNT(*) AS n FROM couriers WHERE tenant_id = \(bind: tenantID)").first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    public func setCourierPassword(courierID: String, passwordHash: String) async throws {
        try await source.withTransaction { db in
            try await db.raw("UPDATE couriers SET password_hash = \(bind: passwordHash) WHERE id = \(bind: courierID)").run()
            try await db.raw("DELETE FROM courier_sessions WHERE courier_id = \(bind: courierID)").run()
        }
    }

    public func revokeCourierSessions(courierID: String) async throws -> Int {
        try await source.withWrite { db in
            try await db.raw("DELETE FROM courier_sessions WHERE courier_id = \(bind: courierID) RETURNING 1 AS gone").all().count
        }
    }
}

struct TenantRow: Decodable {
    static func columns(of alias: String? = nil) -> String {
        columnList(["id", "name", "created_at", "retention_seconds", "consent_modes", "email_includes_photo",
                    "quality_policy", "radius_at_address_m", "radius_near_m", "ticket_policy", "people_policy",
                    "people_policy_reason", "dispute_window_seconds", "photos_per_delivery", "handover_proof",
                    "brand_display_name", "brand_accent_color", "brand_support_email", "brand_support_url",
                    "brand_logo_digest", "brand_logo_width", "brand_logo_height"], of: alias)
    }

    var id: String
    var name: String
    var createdAt: Int64
    var retentionSeconds: Int64
    var consentModes: String
    var emailIncludesPhoto: Int
    var qualityPolicy: String
    var radiusAtAddressM: Double
    var radiusNearM: Double
    var ticketPolicy: String
    var peoplePolicy: String
    var peoplePolicyReason: String?
    var disputeWindowSeconds: Int64
    var photosPerDelivery: Int
    var handoverProof: String
    var brandDisplayName: String?
    var brandAccentColor: String?
    var brandSupportEmail: String?
    var brandSupportUrl: String?
    var brandLogoDigest: String?
    var brandLogoWidth: Int?
    var brandLogoHeight: Int?

    var branding: TenantBranding {
        TenantBranding(
            displayName: brandDisplayName, accentColor: brandAccentColor, supportEmail: brandSupportEmail, supportURL: brandSupportUrl,
            logo: brandLogoDigest.map { TenantBranding.Logo(digest: $0, width: brandLogoWidth ?? 0, height: brandLogoHeight ?? 0) })
    }

    var tenant: Tenant {
        let modes = (try? JSONDecoder().decode([String: ConsentMode].self, from: Data(consentModes.utf8))) ?? [:]
        var settings = TenantSettings(retention: TimeInterval(retentionSeconds), consentModes: modes,
                                      emailIncludesPhoto: emailIncludesPhoto != 0,
                                      qualityPolicy: QualityPolicy(rawValue: qualityPolicy) ?? .flag,
                                      locationRadii: LocationRadii(atAddress: radiusAtAddressM, near: radiusNearM),
                                      ticketPolicy: TicketPolicy(rawValue: ticketPolicy) ?? .flag,
                                      // A value this version does not know blurs: the safe side.
                                      peoplePolicy: PeoplePolicy(rawValue: peoplePolicy) ?? .blur,
                                      peoplePolicyReason: peoplePolicyReason,
                                      disputeWindow: TimeInterval(disputeWindowSeconds))
        settings.photosPerDelivery = photosPerDelivery
        settings.handoverProof = HandoverProof(rawValue: handoverProof) ?? .code
        return Tenant(id: id, name: name, createdAt: Date(epochMilliseconds: createdAt), settings: settings, branding: branding)
    }

    static func encode(_ modes: [String: ConsentMode]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(modes), as: UTF8.self)
    }
}

struct CourierRow: Decodable {
    static func columns(of alias: String? = nil) -> String {
        columnList(["id", "tenant_id", "username", "display_name", "created_at"], of: alias)
    }
    var id: String
    var tenantId: String
    var username: String
    var displayName: String
    var createdAt: Int64

    var courier: Courier {
        Courier(id: id, tenantID: tenantId, username: username, displayName: displayName,
                createdAt: Date(epochMilliseconds: createdAt))
    }
}

struct CourierCredentialsRow: Decodable {
    var id: String
    var tenantId: String
    var username: String
    var displayName: String
    var createdAt: Int64
    var passwordHash: String

    var courier: Courier {
        CourierRow(id: id, tenantId: tenantId, username: username, displayName: displayName, createdAt: createdAt).courier
    }
}

/// An api_keys row, its columns selected as `key_<name>` so they can sit beside a tenant's.
struct APIKeyRow: Decodable {
    static func columns(of alias: String? = nil) -> String {
        prefixedColumnList(["id", "prefix", "name", "scopes", "created_at", "last_used_at", "revoked_at"], prefix: "key_", of: alias)
    }
    static let decoder = SQLRowDecoder(prefix: "key_", keyDecodingStrategy: snakeCase.keyDecodingStrategy)

    var id: String
    var prefix: String
    var name: String
    var scopes: String
    var createdAt: Int64
    var lastUsedAt: Int64?
    var revokedAt: Int64?

    var record: APIKeyRecord {
        APIKeyRecord(
            id: id, prefix: prefix, name: name, scopes: scopes.split(separator: " ").compactMap { APIScope(rawValue: String($0)) },
            createdAt: Date(epochMilliseconds: createdAt), lastUsedAt: lastUsedAt.map(Date.init(epochMilliseconds:)),
            revokedAt: revokedAt.map(Date.init(epochMilliseconds:)))
    }

    static func encode(_ scopes: [APIScope]) -> String { Set(scopes).sorted().map(\.rawValue).joined(separator: " ") }
}
