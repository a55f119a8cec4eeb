import Foundation
import SQLKit

/// Numbered schema steps, written once in SQL that both SQLite and PostgreSQL accept: TEXT ids
/// (lowercase UUIDs), BIGINT times in epoch milliseconds, DOUBLE PRECISION for coordinates.
/// A step is never edited once released; a change is a new step.
enum Migrations {
    static let steps: [(version: Int, statements: [String])] = [
        (1, [
            """
            CREATE TABLE tenants (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                created_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE api_keys (
                id TEXT PRIMARY KEY,
                tenant_id TEXT NOT NULL REFERENCES tenants(id),
                digest TEXT NOT NULL UNIQUE,
                prefix TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                revoked_at BIGINT)
            """,
            """
            CREATE TABLE couriers (
                id TEXT PRIMARY KEY,
                tenant_id TEXT NOT NULL REFERENCES tenants(id),
                username TEXT NOT NULL UNIQUE,
                display_name TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                created_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE courier_sessions (
                digest TEXT PRIMARY KEY,
                courier_id TEXT NOT NULL REFERENCES couriers(id),
                expires_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE deliveries (
                id TEXT PRIMARY KEY,
                tenant_id TEXT NOT NULL REFERENCES tenants(id),
                order_reference TEXT NOT NULL,
                recipient_name TEXT NOT NULL,
                recipient_email TEXT NOT NULL,
                recipient_language TEXT NOT NULL,
                address TEXT NOT NULL,
                latitude DOUBLE PRECISION NOT NULL,
                longitude DOUBLE PRECISION NOT NULL,
                instructions TEXT NOT NULL,
                courier_id TEXT REFERENCES couriers(id),
                state TEXT NOT NULL,
                placement TEXT,
                note TEXT,
                delivered_at BIGINT,
                created_at BIGINT NOT NULL,
                UNIQUE (tenant_id, order_reference))
            """,
            "CREATE INDEX deliveries_by_tenant ON deliveries (tenant_id, created_at, id)",
            "CREATE INDEX deliveries_by_courier ON deliveries (courier_id, created_at)",
            """
            CREATE TABLE photos (
                id TEXT PRIMARY KEY,
                delivery_id TEXT NOT NULL REFERENCES deliveries(id),
                tenant_id TEXT NOT NULL REFERENCES tenants(id),
                courier_id TEXT NOT NULL REFERENCES couriers(id),
                placement TEXT NOT NULL,
                note TEXT,
                captured_at BIGINT,
                image_latitude DOUBLE PRECISION,
                image_longitude DOUBLE PRECISION,
                device_latitude DOUBLE PRECISION,
                device_longitude DOUBLE PRECISION,
                distance_to_address DOUBLE PRECISION,
                mean_brightness DOUBLE PRECISION NOT NULL,
                display_key TEXT NOT NULL,
                display_width INTEGER NOT NULL,
                display_height INTEGER NOT NULL,
                display_bytes INTEGER NOT NULL,
                display_sha256 TEXT NOT NULL,
                thumbnail_key TEXT NOT NULL,
                thumbnail_width INTEGER NOT NULL,
                thumbnail_height INTEGER NOT NULL,
                thumbnail_bytes INTEGER NOT NULL,
                thumbnail_sha256 TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                deleted_at BIGINT,
                deleted_reason TEXT)
            """,
            "CREATE INDEX photos_by_delivery ON photos (delivery_id, deleted_at)",
            """
            CREATE TABLE idempotency_keys (
                courier_id TEXT NOT NULL REFERENCES couriers(id),
                idempotency_key TEXT NOT NULL,
                fingerprint TEXT NOT NULL,
                photo_id TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (courier_id, idempotency_key))
            """,
        ]),
        (2, [
            // Privacy: encryption at rest, retention, consent, audit (issue 4).
            "ALTER TABLE photos ADD COLUMN wrapped_key TEXT",
            "ALTER TABLE photos ADD COLUMN kek_version INTEGER",
            "ALTER TABLE photos ADD COLUMN expires_at BIGINT",
            "CREATE INDEX photos_live_by_expiry ON photos (expires_at) WHERE deleted_at IS NULL",
            "CREATE INDEX photos_by_kek ON photos (kek_version) WHERE wrapped_key IS NOT NULL",
            "ALTER TABLE tenants ADD COLUMN retention_seconds BIGINT NOT NULL DEFAULT 2592000",
            "ALTER TABLE tenants ADD COLUMN consent_modes TEXT NOT NULL DEFAULT '{}'",
            "ALTER TABLE deliveries ADD COLUMN country TEXT",
            "ALTER TABLE deliveries ADD COLUMN erased_at BIGINT",
            "CREATE INDEX deliveries_by_recipient ON deliveries (tenant_id, recipient_email)",
            """
            CREATE TABLE recipient_choices (
                tenant_id TEXT NOT NULL REFERENCES tenants(id),
                scope TEXT NOT NULL,
                subject TEXT NOT NULL,
                choice TEXT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (tenant_id, scope, subject))
            """,
            """
            CREATE TABLE access_events (
                id TEXT PRIMARY KEY,
                tenant_id TEXT NOT NULL REFERENCES tenants(id),
                delivery_id TEXT,
                photo_id TEXT,
                actor TEXT NOT NULL,
                actor_id TEXT,
                action TEXT NOT NULL,
                at BIGINT NOT NULL)
            """,
            "CREATE INDEX access_events_by_delivery ON access_events (delivery_id, at)",
            "CREATE INDEX access_events_by_tenant ON access_events (tenant_id, at)",
        ]),
        (3, [
            // Notifications: the transactional outbox and webhook endpoints (issue 5).
            """
            CREATE TABLE outbox_events (
                id TEXT PRIMARY KEY,
                tenant_id TEXT NOT NULL REFERENCES tenants(id),
                type TEXT NOT NULL,
                delivery_id TEXT,
                photo_id TEXT,
                occurred_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE outbox_messages (
                id TEXT PRIMARY KEY,
                event_id TEXT NOT NULL REFERENCES outbox_events(id),
                channel TEXT NOT NULL,
                endpoint_id TEXT,
                state TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                next_attempt_at BIGINT NOT NULL,
                claimed_until BIGINT,
                last_error TEXT,
                sent_at BIGINT,
                created_at BIGINT NOT NULL)
            """,
            "CREATE INDEX outbox_messages_due ON outbox_messages (next_attempt_at) WHERE state = 'pending'",
            "CREATE INDEX outbox_messages_by_endpoint ON outbox_messages (endpoint_id, created_at)",
            """
            CREATE TABLE webhook_endpoints (
                id TEXT PRIMARY KEY,
                tenant_id TEXT NOT NULL REFERENCES tenants(id),
                url TEXT NOT NULL,
                secret TEXT NOT NULL,
                previous_secret TEXT,
                previous_secret_until BIGINT,
                event_types TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                deleted_at BIGINT)
            """,
            "CREATE INDEX webhook_endpoints_by_tenant ON webhook_endpoints (tenant_id) WHERE deleted_at IS NULL",
            "ALTER TABLE tenants ADD COLUMN email_includes_photo INTEGER NOT NULL DEFAULT 0",
            """
            CREATE TABLE problem_reports (
                id TEXT PRIMARY KEY,
                tenant_id TEXT NOT NULL REFERENCES tenants(id),
                delivery_id TEXT NOT NULL REFERENCES deliveries(id),
                kind TEXT NOT NULL,
                details TEXT NOT NULL,
                created_at BIGINT NOT NULL)
            """,
            "CREATE INDEX problem_reports_by_delivery ON problem_reports (delivery_id, created_at)",
        ]),
        (4, [
            // Evidence: quality signals and verdicts, the perceptual hash, the location verdict.
            "ALTER TABLE photos ADD COLUMN sharpness DOUBLE PRECISION NOT NULL DEFAULT 0",
            "ALTER TABLE photos ADD COLUMN quality_issues TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE photos ADD COLUMN perceptual_hash BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE photos ADD COLUMN location_verdict TEXT NOT NULL DEFAULT 'unknown'",
            "ALTER TABLE tenants ADD COLUMN quality_policy TEXT NOT NULL DEFAULT 'flag'",
            "ALTER TABLE tenants ADD COLUMN radius_at_address_m DOUBLE PRECISION NOT NULL DEFAULT 50",
            "ALTER TABLE tenants ADD COLUMN radius_near_m DOUBLE PRECISION NOT NULL DEFAULT 250",
        ]),
        (5, [
            // The courier app: stops in route order.
            "ALTER TABLE deliveries ADD COLUMN route_position INTEGER",
        ]),
        (6, [
            // Evidence: capture tickets and freshness, reuse flags, disputes as cases.
            """
            CREATE TABLE capture_tickets (
                digest TEXT PRIMARY KEY,
                delivery_id TEXT NOT NULL REFERENCES deliveries(id),
                courier_id TEXT NOT NULL REFERENCES couriers(id),
                issued_at BIGINT NOT NULL,
                photo_id TEXT)
            """,
            "CREATE INDEX capture_tickets_by_issue ON capture_tickets (issued_at)",
            "ALTER TABLE photos ADD COLUMN capture_ticket TEXT",
            "ALTER TABLE photos ADD COLUMN freshness TEXT NOT NULL DEFAULT 'no_ticket'",
            "CREATE INDEX photos_by_tenant_time ON photos (tenant_id, created_at)",
            """
            CREATE TABLE reuse_flags (
                photo_id TEXT NOT NULL REFERENCES photos(id),
                matched_photo_id TEXT NOT NULL REFERENCES photos(id),
                matched_delivery_id TEXT NOT NULL,
                distance INTEGER NOT NULL,
                same_courier INTEGER NOT NULL,
                PRIMARY KEY (photo_id, matched_photo_id))
            """,
            "ALTER TABLE tenants ADD COLUMN ticket_policy TEXT NOT NULL DEFAULT 'flag'",
            "ALTER TABLE problem_reports ADD COLUMN resolution TEXT",
            "ALTER TABLE problem_reports ADD COLUMN resolved_at BIGINT",
            "CREATE INDEX problem_reports_by_tenant ON problem_reports (tenant_id, created_at)",
        ]),
        (7, [
            // The reuse check reads every hash of a tenant's retention window on each upload: with the
            // hash in the index that is an index-only scan. It serves by-time lookups as the old one did.
            "CREATE INDEX photos_hashes_by_tenant_time ON photos (tenant_id, created_at, perceptual_hash)",
            "DROP INDEX photos_by_tenant_time",
        ]),
        (8, [
            // A mobile number (E.164) for text messages; personal data like the email (exported, erased).
            "ALTER TABLE deliveries ADD COLUMN recipient_phone TEXT",
        ]),
        (9, [
            // Export, erasure and "delete my photos" find a recipient by number as by email.
            "CREATE INDEX deliveries_by_recipient_phone ON deliveries (tenant_id, recipient_phone)",
        ]),
        (10, [
            // The purge of expired records finds them by time; revoking a courier's sessions and
            // counting a courier's unused capture tickets find them by courier.
            "CREATE INDEX courier_sessions_by_expiry ON courier_sessions (expires_at)",
            "CREATE INDEX courier_sessions_by_courier ON courier_sessions (courier_id)",
            "CREATE INDEX idempotency_keys_by_time ON idempotency_keys (created_at)",
            "CREATE INDEX capture_tickets_by_courier ON capture_tickets (courier_id, issued_at)",
        ]),
        (11, [
            // Who set a choice (their contact's digest): an address-wide "no" is lifted only by
            // the recipient who gave it. Older rows have none and are lifted by no one's "yes".
            "ALTER TABLE recipient_choices ADD COLUMN set_by TEXT",
        ]),
        (12, [
            // A courier who left: disabled, not deleted (their photos and audit rows name them).
            "ALTER TABLE couriers ADD COLUMN disabled_at BIGINT",
        ]),
        (13, [
            // Named keys with scopes (space-separated APIScope values) and when each was last used.
            // Keys made before had every power: they keep it, named like the command line's keys.
            "ALTER TABLE api_keys ADD COLUMN name TEXT NOT NULL DEFAULT 'command line'",
            "ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT 'read deliveries admin'",
            "ALTER TABLE api_keys ADD COLUMN last_used_at BIGINT",
            // A tenant's Idempotency-Keys for creating deliveries (one or a batch): the request's
            // fingerprint and what it created (space-separated ids, in order), purged by the sweeper
            // with the upload keys.
            """
            CREATE TABLE delivery_requests (
                tenant_id TEXT NOT NULL REFERENCES tenants(id),
                idempotency_key TEXT NOT NULL,
                fingerprint TEXT NOT NULL,
                delivery_ids TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (tenant_id, idempotency_key))
            """,
            "CREATE INDEX delivery_requests_by_time ON delivery_requests (created_at)",
            // The list filtered by state walks only that state's deliveries, newest first.
            "CREATE INDEX deliveries_by_tenant_state ON deliveries (tenant_id, state, created_at, id)",
        ]),
        (14, [
            // Redaction: a tenant's people policy (blur, retake, or off with its reason), and what
            // was pixelated in each photo (NULL: not searched, as every photo before this step).
            "ALTER TABLE tenants ADD COLUMN people_policy TEXT NOT NULL DEFAULT 'blur'",
            "ALTER TABLE tenants ADD COLUMN people_policy_reason TEXT",
            "ALTER TABLE photos ADD COLUMN faces_redacted INTEGER",
        ]),
        (15, [
            // Evidence: when the courier took the parcel on board (the pack's timeline), whether a
            // reuse flag's earlier delivery went to the same place (expected look-alikes) or another,
            // and proof thumbnails for the dispute window.
            "ALTER TABLE deliveries ADD COLUMN out_for_delivery_at BIGINT",
            "ALTER TABLE reuse_flags ADD COLUMN same_address INTEGER NOT NULL DEFAULT 0",
            // Flags made before are told apart as well as SQL alone can: the same address text
            // (case aside), or positions within about 4 m (ReusePlace.samePointMeters; 0.00004° of
            // latitude is 4.4 m, of longitude less). An erased delivery, with no address, is never the same place.
            """
            UPDATE reuse_flags SET same_address = 1 WHERE EXISTS (
                SELECT 1 FROM photos p JOIN deliveries d ON d.id = p.delivery_id, deliveries m
                WHERE p.id = reuse_flags.photo_id AND m.id = reuse_flags.matched_delivery_id
                  AND d.address <> '' AND m.address <> ''
                  AND (LOWER(TRIM(d.address)) = LOWER(TRIM(m.address))
                       OR (ABS(d.latitude - m.latitude) <= 0.00004 AND ABS(d.longitude - m.longitude) <= 0.00004)))
            """,
            // Proof for the dispute window: when a photo's time is up its thumbnail is resealed under
            // a new data key (kept in wrapped_key: the photo's own is destroyed) and kept until
            // proof_until; proof_key is its blob while it exists. 120 days: Visa's window.
            "ALTER TABLE tenants ADD COLUMN dispute_window_seconds BIGINT NOT NULL DEFAULT 10368000",
            "ALTER TABLE photos ADD COLUMN proof_key TEXT",
            "ALTER TABLE photos ADD COLUMN proof_until BIGINT",
            "CREATE INDEX photos_proofs_due ON photos (proof_until) WHERE proof_key IS NOT NULL",
            // Open cases hold their delivery's photos: the sweeps look them up by delivery.
            "CREATE INDEX problem_reports_open_by_delivery ON problem_reports (delivery_id) WHERE resolved_at IS NULL",
        ]),
        // The recipient's safe place or neighbour (DropChoice), chosen on their page.
        (16, [
            "ALTER TABLE deliveries ADD COLUMN drop_kind TEXT",
            "ALTER TABLE deliveries ADD COLUMN drop_details TEXT",
            "ALTER TABLE deliveries ADD COLUMN drop_chosen_at BIGINT",
        ]),
        // Handover codes for attended deliveries (HandoverCode): the code, the wrong tries, and
        // when the right one was entered.
        (17, [
            "ALTER TABLE deliveries ADD COLUMN handover_code TEXT",
            "ALTER TABLE deliveries ADD COLUMN handover_failures INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE deliveries ADD COLUMN handed_over_at BIGINT",
        ]),
        // Failed delivery attempts (DeliveryAttempt); an attempt's door photo is a photo row with
        // its attempt_id, so retention, proof thumbnails, holds, export and erasure treat it as
        // every photo, while "the delivery's photo" means the rows without one.
        (18, [
            """
            CREATE TABLE delivery_attempts (
                id TEXT PRIMARY KEY,
                delivery_id TEXT NOT NULL REFERENCES deliveries(id),
                tenant_id TEXT NOT NULL REFERENCES tenants(id),
                courier_id TEXT NOT NULL REFERENCES couriers(id),
                reason TEXT NOT NULL,
                note TEXT,
                photo_id TEXT,
                created_at BIGINT NOT NULL)
            """,
            "CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts (delivery_id, created_at)",
            "ALTER TABLE photos ADD COLUMN attempt_id TEXT",
        ]),
        // Several photos per delivery (PhotoSlot): each photo's number, and how many a tenant asks for.
        (19, [
            "ALTER TABLE photos ADD COLUMN slot INTEGER NOT NULL DEFAULT 1",
            "ALTER TABLE tenants ADD COLUMN photos_per_delivery INTEGER NOT NULL DEFAULT 1",
        ]),
        // What each stored image shows (PhotoKind: the door photos of attempts are the rows with
        // an attempt_id), at most one live parcel photo per slot (the upload's transaction keeps
        // it so; the index makes it a fact), and the tenant's proof of an attended delivery.
        (20, [
            "ALTER TABLE photos ADD COLUMN kind TEXT NOT NULL DEFAULT 'parcel'",
            "UPDATE photos SET kind = 'door' WHERE attempt_id IS NOT NULL",
            // Before uploads took the delivery's row lock first, two uploads at once on PostgreSQL
            // could each find no photo to retire and both stay live. The older is retired as a
            // retake would have (its key destroyed; the orphan sweep removes its blobs), so the
            // index can be built on any database.
            """
            UPDATE photos SET deleted_at = created_at, deleted_reason = 'replaced', wrapped_key = NULL
            WHERE deleted_at IS NULL AND kind = 'parcel' AND EXISTS (
                SELECT 1 FROM photos newer WHERE newer.delivery_id = photos.delivery_id AND newer.slot = photos.slot
                  AND newer.deleted_at IS NULL AND newer.kind = 'parcel'
                  AND (newer.created_at > photos.created_at OR (newer.created_at = photos.created_at AND newer.id > photos.id)))
            """,
            "CREATE UNIQUE INDEX photos_one_live_per_slot ON photos (delivery_id, slot) WHERE deleted_at IS NULL AND kind = 'parcel'",
            "ALTER TABLE tenants ADD COLUMN handover_proof TEXT NOT NULL DEFAULT 'code'",
        ]),
        // The tenant's staff (OperatorAccount) and their console sessions: a session ends at
        // idle_until unless used again, and at expires_at whatever happens (idle_until ≤ expires_at).
        (21, [
            """
            CREATE TABLE operators (
                id TEXT PRIMARY KEY,
                tenant_id TEXT NOT NULL REFERENCES tenants(id),
                username TEXT NOT NULL UNIQUE,
                display_name TEXT NOT NULL,
                role TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                disabled_at BIGINT,
                created_at BIGINT NOT NULL)
            """,
            "CREATE INDEX operators_by_tenant ON operators (tenant_id, username)",
            """
            CREATE TABLE operator_sessions (
                digest TEXT PRIMARY KEY,
                operator_id TEXT NOT NULL REFERENCES operators(id),
                expires_at BIGINT NOT NULL,
                idle_until BIGINT NOT NULL)
            """,
            "CREATE INDEX operator_sessions_by_operator ON operator_sessions (operator_id)",
            // The purge's: idle_until is never after expires_at, so it alone says a session is over.
            "CREATE INDEX operator_sessions_by_idle ON operator_sessions (idle_until)",
        ]),
        // What customers see of the tenant (TenantBranding). The logo, re-encoded, is one row per
        // tenant, found by its digest (its public address); a few tens of KB, base64 in a TEXT
        // column so that both engines and the SQLite → PostgreSQL copy take it as it is.
        (22, [
            "ALTER TABLE tenants ADD COLUMN brand_display_name TEXT",
            "ALTER TABLE tenants ADD COLUMN brand_accent_color TEXT",
            "ALTER TABLE tenants ADD COLUMN brand_support_email TEXT",
            "ALTER TABLE tenants ADD COLUMN brand_support_url TEXT",
            "ALTER TABLE tenants ADD COLUMN brand_logo_digest TEXT",
            "ALTER TABLE tenants ADD COLUMN brand_logo_width INTEGER",
            "ALTER TABLE tenants ADD COLUMN brand_logo_height INTEGER",
            "CREATE TABLE brand_logos (tenant_id TEXT PRIMARY KEY REFERENCES tenants(id), digest TEXT NOT NULL, jpeg TEXT NOT NULL)",
            "CREATE INDEX brand_logos_by_digest ON brand_logos (digest)",
        ]),
        // The operators' dashboard (DashboardStore): each family of figures is counted on an index
        // by tenant and time, and a closed day's figures are kept, one small row per figure.
        (23, [
            """
            CREATE TABLE dashboard_days (
                tenant_id TEXT NOT NULL REFERENCES tenants(id),
                day BIGINT NOT NULL,
                metric TEXT NOT NULL,
                n BIGINT NOT NULL,
                total BIGINT NOT NULL,
                PRIMARY KEY (tenant_id, day, metric))
            """,
            // When a delivery was first delivered: a retake or a photo after "delivered without a
            // photo" moves delivered_at, and a delivery must not count on two days.
            "ALTER TABLE deliveries ADD COLUMN first_delivered_at BIGINT",
            "UPDATE deliveries SET first_delivered_at = delivered_at",
            "CREATE INDEX deliveries_by_tenant_first_delivered ON deliveries (tenant_id, first_delivered_at)",
            "CREATE INDEX delivery_attempts_by_tenant ON delivery_attempts (tenant_id, created_at)",
            "CREATE INDEX outbox_events_by_tenant ON outbox_events (tenant_id, occurred_at)",
            "CREATE INDEX outbox_messages_by_event ON outbox_messages (event_id)",
            "CREATE INDEX access_events_by_tenant_action ON access_events (tenant_id, action, at)",
            // On PostgreSQL these indexes are built inside the migration's transaction: writes to
            // those tables wait while they are (seconds per million rows, measured in BENCHMARKS.md).
        ]),
        // The closed hours of a day not yet kept, so that a view counts from the records only the
        // last hour or so of today, not the whole of it.
        (24, [
            """
            CREATE TABLE dashboard_hours (
                tenant_id TEXT NOT NULL REFERENCES tenants(id),
                hour BIGINT NOT NULL,
                metric TEXT NOT NULL,
                n BIGINT NOT NULL,
                total BIGINT NOT NULL,
                PRIMARY KEY (tenant_id, hour, metric))
            """,
        ]),
        // The tenant's activity log (ActivityStore): who changed what. Read newest first by tenant,
        // with the access log's entries by staff and keys (hence its index by tenant, actor and time).
        (25, [
            """
            CREATE TABLE activity_log (
                id TEXT PRIMARY KEY,
                tenant_id TEXT NOT NULL REFERENCES tenants(id),
                actor TEXT NOT NULL,
                actor_id TEXT,
                action TEXT NOT NULL,
                target_id TEXT,
                detail TEXT,
                at BIGINT NOT NULL)
            """,
            "CREATE INDEX activity_log_by_tenant ON activity_log (tenant_id, at, id)",
            "CREATE INDEX access_events_by_tenant_actor ON access_events (tenant_id, actor, at)",
        ]),
        // Why a delivery was left without a photo, when the photo policy said no at the time (the
        // recipient opted out, photos are off in the region, consent is needed): the dashboard
        // tells "opted out" from "no photo" by it.
        (26, ["ALTER TABLE deliveries ADD COLUMN photo_withheld TEXT"]),
        // Cases are worked by someone, with notes. The assignee is an operator's id, checked by the
        // service (operators are disabled, never deleted); a note names its author as the
        // activity log does. Both are internal to the tenant.
        (27, [
            "ALTER TABLE problem_reports ADD COLUMN assignee_id TEXT",
            """
            CREATE TABLE case_notes (
                id TEXT PRIMARY KEY,
                tenant_id TEXT NOT NULL REFERENCES tenants(id),
                case_id TEXT NOT NULL REFERENCES problem_reports(id),
                author TEXT NOT NULL,
                author_id TEXT,
                body TEXT NOT NULL,
                created_at BIGINT NOT NULL)
            """,
            "CREATE INDEX case_notes_by_case ON case_notes (case_id, created_at)",
            // A delivery's page lists the notifications it caused.
            "CREATE INDEX outbox_events_by_delivery ON outbox_events (delivery_id, occurred_at)",
        ]),
        // Two-step sign-in: an operator's authenticator secret, sealed with the key ring and bound
        // to the account, and the last time step a code was taken for (a code works once).
        (28, [
            "ALTER TABLE operators ADD COLUMN totp_secret TEXT",
            "ALTER TABLE operators ADD COLUMN totp_step BIGINT",
        ]),
        // Redaction finds people (bodies) too: how many were pixelated in each photo (NULL for
        // photos from before, which were searched for faces only, or not searched).
        (29, ["ALTER TABLE photos ADD COLUMN people_redacted INTEGER"]),
    ]

    static var latest: Int { steps.map(\.version).max() ?? 0 }

    /// The highest step applied, 0 for an empty database.
    static func current(on source: any SQLConnectionSource) async throws -> Int {
        try await source.withConnection { db in
            let exists = try await db.raw("SELECT version FROM schema_migrations ORDER BY version DESC LIMIT 1").first()
            return try exists?.decode(column: "version", as: Int.self) ?? 0
        }
    }

    /// Applies the steps not yet recorded, each in its own transaction with its version row, so a
    /// crash mid-way leaves the schema at a known step. Concurrent migrators wait for each other
    /// (the engine's migration lock) and then find the step applied.
    static func apply(on source: any SQLConnectionSource) async throws {
        try await source.withTransaction { db in
            if let lock = source.engine.migrationLock { try await db.raw(SQLQueryString(lock)).run() }
            try await db.raw("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)").run()
        }
        for step in steps {
            try await source.withTransaction { db in
                if let lock = source.engine.migrationLock { try await db.raw(SQLQueryString(lock)).run() }
                let applied = try await db.raw("SELECT version FROM schema_migrations WHERE version = \(bind: step.version)").first()
                guard applied == nil else { return }
                for statement in step.statements {
                    try await db.raw(SQLQueryString(statement)).run()
                }
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                try await db.raw("INSERT INTO schema_migrations (version, applied_at) VALUES (\(bind: step.version), \(bind: now))").run()
            }
        }
    }
}

