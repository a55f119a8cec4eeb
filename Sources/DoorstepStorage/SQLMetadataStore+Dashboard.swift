import DoorstepCore
import Foundation
import SQLKit

extension SQLMetadataStore {
    /// Marks a kept bucket, so that one with no activity is not counted again on every view.
    static let keptMarker = "_kept"

    public func countsFromRecords(tenantID: String, span: DashboardSpan, buckets: ClosedRange<Int>) async throws -> [DashboardCount] {
        let (from, to) = (buckets.lowerBound * span.length, (buckets.upperBound + 1) * span.length)
        return try await source.withConnection { db in
            var counts: [DashboardCount] = []
            for query in Self.dashboardQueries(tenantID: tenantID, span: span, from: from, to: to) {
                for row in try await db.raw(query).all() {
                    let bucket = try row.decode(column: "bucket", as: Int.self)
                    // Rows are (bucket, metric, n, total), or one row a bucket with a column per
                    // figure (the photos', which one pass over each photo counts together).
                    if row.allColumns.contains("metric") {
                        counts.append(try Self.count(row))
                    } else {
                        for column in row.allColumns where column != "bucket" {
                            let count = try row.decode(column: column, as: Int?.self) ?? 0
                            if count > 0 { counts.append(DashboardCount(bucket: bucket, metric: column, count: count)) }
                        }
                    }
                }
            }
            return counts
        }
    }

    /// A (bucket, metric, n, total) row.
    static func count(_ row: any SQLRow) throws -> DashboardCount {
        DashboardCount(
            bucket: try row.decode(column: "bucket", as: Int.self), metric: try row.decode(column: "metric", as: String.self),
            count: try row.decode(column: "n", as: Int.self), total: try row.decode(column: "total", as: Int?.self) ?? 0)
    }

    /// Each family of figures in one grouped statement over an index by tenant and time.
    static func dashboardQueries(tenantID: String, span: DashboardSpan, from: Int, to: Int) -> [SQLQueryString] {
        let bucket = "/ \(span.length)"
        // Issues are stored comma-separated; matched whole (`_` escaped, as LIKE reads it as any character).
        let issues = QualityIssue.allCases.map {
            "SUM(CASE WHEN ',' || quality_issues || ',' LIKE '%,\($0.rawValue.replacingOccurrences(of: "_", with: "\\_")),%' ESCAPE '\\' "
                + "THEN 1 ELSE 0 END) AS \(DashboardMetric.quality($0))"
        }
        let verdicts = LocationVerdict.allCases.map {
            "SUM(CASE WHEN location_verdict = '\($0.rawValue)' THEN 1 ELSE 0 END) AS \(DashboardMetric.location($0))"
        }
        let customerActions = [AccessEvent.Action.viewPage, .optOut].map { "'\($0.rawValue)'" }.joined(separator: ", ")
        return [
            // Deliveries on the day they were first delivered (a retake moves delivered_at, not
            // this), with a photo of the parcel, without one as the recipient opted out, or without.
            """
            SELECT first_delivered_at \(unsafeRaw: bucket) AS bucket, CASE WHEN EXISTS (
                       SELECT 1 FROM photos p WHERE p.delivery_id = d.id AND p.attempt_id IS NULL AND p.kind = 'parcel')
                   THEN '\(unsafeRaw: DashboardMetric.deliveredWithPhoto)'
                   WHEN d.photo_withheld = '\(unsafeRaw: PhotoPolicy.Reason.optedOut.rawValue)' THEN '\(unsafeRaw: DashboardMetric.deliveredOptedOut)'
                   ELSE '\(unsafeRaw: DashboardMetric.deliveredWithoutPhoto)' END AS metric,
                   COUNT(*) AS n, 0 AS total
            FROM deliveries d
            WHERE tenant_id = \(bind: tenantID) AND first_delivered_at >= \(bind: from) AND first_delivered_at < \(bind: to)
            GROUP BY 1, 2
            """,
            """
            SELECT created_at \(unsafeRaw: bucket) AS bucket, '\(unsafeRaw: DashboardMetric.attempted)' AS metric, COUNT(*) AS n, 0 AS total
            FROM delivery_attempts WHERE tenant_id = \(bind: tenantID) AND created_at >= \(bind: from) AND created_at < \(bind: to)
            GROUP BY 1
            """,
            // Photos of delivered parcels as taken (a later deletion does not change what was
            // taken); an attempt's door photo is not one.
            """
            SELECT created_at \(unsafeRaw: bucket) AS bucket, COUNT(*) AS \(unsafeRaw: DashboardMetric.photos),
                   SUM(CASE WHEN quality_issues <> '' THEN 1 ELSE 0 END) AS \(unsafeRaw: DashboardMetric.photosFlagged),
                   \(unsafeRaw: (issues + verdicts).joined(separator: ", ")),
                   SUM(CASE WHEN EXISTS (SELECT 1 FROM reuse_flags r WHERE r.photo_id = p.id) THEN 1 ELSE 0 END)
                       AS \(unsafeRaw: DashboardMetric.reuseFlagged)
            FROM photos p WHERE tenant_id = \(bind: tenantID) AND created_at >= \(bind: from) AND created_at < \(bind: to)
              AND kind = 'parcel' AND attempt_id IS NULL
            GROUP BY 1
            """,
            // What customers did: visits to their page, opt-outs.
            """
            SELECT at \(unsafeRaw: bucket) AS bucket, action AS metric, COUNT(*) AS n, 0 AS total
            FROM access_events WHERE tenant_id = \(bind: tenantID) AND action IN (\(unsafeRaw: customerActions))
              AND at >= \(bind: from) AND at < \(bind: to)
            GROUP BY 1, 2
            """,
            notificationsQuery(tenantID: tenantID, span: span, from: from, to: to),
        ]
    }

    /// Notifications by the day (or hour) of what they announce, per channel and state; the time from
    /// queued to sent summed for the average (cast: PostgreSQL sums BIGINTs as NUMERIC).
    static func notificationsQuery(tenantID: String, span: DashboardSpan, from: Int, to: Int) -> SQLQueryString {
        """
        SELECT e.occurred_at / \(unsafeRaw: "\(span.length)") AS bucket, m.channel || '_' || m.state AS metric, COUNT(*) AS n,
               CAST(SUM(CASE WHEN m.sent_at IS NULL THEN 0 ELSE m.sent_at - m.created_at END) AS BIGINT) AS total
        FROM outbox_events e JOIN outbox_messages m ON m.event_id = e.id
        WHERE e.tenant_id = \(bind: tenantID) AND e.occurred_at >= \(bind: from) AND e.occurred_at < \(bind: to)
        GROUP BY 1, 2
        """
    }


    public func keptCounts(tenantID: String, span: DashboardSpan, buckets: ClosedRange<Int>) async throws
        -> (counts: [DashboardCount], kept: Set<Int>) {
        let rows = try await source.withConnection { db in
            try await db.raw("""
                SELECT \(unsafeRaw: span.column) AS bucket, metric, n, total FROM \(unsafeRaw: span.table)
                WHERE tenant_id = \(bind: tenantID) AND \(unsafeRaw: span.column) >= \(bind: buckets.lowerBound)
                  AND \(unsafeRaw: span.column) <= \(bind: buckets.upperBound)
                """).all().map(Self.count)
        }
        let kept = Set(rows.lazy.filter { $0.metric == Self.keptMarker }.map(\.bucket))
        return (rows.filter { $0.metric != Self.keptMarker }, kept)
    }

    public func keepCounts(tenantID: String, span: DashboardSpan, buckets: [Int], counts: [DashboardCount]) async throws {
        guard !buckets.isEmpty else { return }
        let byBucket = Dictionary(grouping: counts, by: \.bucket)
        let (engine, table, column) = (source.engine, span.table, span.column)
        try await source.withTransaction { db in
            for bucket in buckets {
                try await Self.lockDashboardDay(tenantID: tenantID, day: bucket * span.length / DashboardSpan.day.length, engine: engine, on: db)
                let figures = byBucket[bucket] ?? []
                // The bucket's notifications as they stand now, under the lock a replay takes too:
                // one sent again (or finished) since the counting would leave the kept figures
                // wrong for good, so such a bucket waits for the next view.
                let counted = Set(figures.filter { DashboardMetric.notifications[$0.metric] != nil })
                let now = try await db.raw(Self.notificationsQuery(
                    tenantID: tenantID, span: span, from: bucket * span.length, to: (bucket + 1) * span.length)).all().map(Self.count)
                guard Set(now) == counted else { continue }
                // The marker first: whoever places it keeps the bucket, with its own figures only,
                // so two servers counting at once never leave a mixture of both.
                guard try await db.insertIfAbsent("""
                    INSERT INTO \(unsafeRaw: table) (tenant_id, \(unsafeRaw: column), metric, n, total)
                    VALUES (\(bind: tenantID), \(bind: bucket), \(bind: Self.keptMarker), 1, 0)
                    ON CONFLICT (tenant_id, \(unsafeRaw: column), metric) DO NOTHING RETURNING 1 AS inserted
                    """) else { continue }
                // In slices: SQLite takes at most 32,766 bound values a statement.
                for start in stride(from: 0, to: figures.count, by: 500) {
                    let values = figures[start..<min(start + 500, figures.count)].map { row -> SQLQueryString in
                        "(\(bind: tenantID), \(bind: row.bucket), \(bind: row.metric), \(bind: row.count), \(bind: row.total))"
                    }
                    try await db.raw("""
                        INSERT INTO \(unsafeRaw: table) (tenant_id, \(unsafeRaw: column), metric, n, total) VALUES \(values.joined(separator: ", "))
                        """).run()
                }
            }
            // A view reads hours only for a day it does not keep yet: a settled day's hours are
            // never read again (nor those of older days a view never kept).
            if span == .day, let last = buckets.max() {
                try await db.raw("""
                    DELETE FROM dashboard_hours WHERE tenant_id = \(bind: tenantID) AND hour < \(bind: (last + 1) * DashboardSpan.hoursADay)
                    """).run()
            }
        }
    }

    /// Forgets the kept figures of the day and hour of a message's event (its outcome changed
    /// after they were kept): the next view counts them from the records again.
    static func forgetKeptDay(ofMessage id: String, engine: SQLEngine, on db: any SQLDatabase) async throws {
        guard let event = try await db.raw("""
            SELECT e.tenant_id, e.occurred_at FROM outbox_events e JOIN outbox_messages m ON m.event_id = e.id WHERE m.id = \(bind: id)
            """).first() else { return }
        let tenantID = try event.decode(column: "tenant_id", as: String.self)
        let occurred = try event.decode(column: "occurred_at", as: Int.self)
        // The hour first: it takes the day's lock, which the day's deletion needs too.
        try await forgetKeptHour(tenantID: tenantID, at: occurred, engine: engine, on: db)
        try await db.raw("""
            DELETE FROM dashboard_days WHERE tenant_id = \(bind: tenantID) AND day = \(bind: occurred / DashboardSpan.day.length)
            """).run()
    }

    /// Forgets the kept figures of the hour holding `at` (epoch milliseconds): the next view that
    /// reads hours counts it from the records again. A kept day is left as it was kept.
    static func forgetKeptHour(tenantID: String, at: Int, engine: SQLEngine, on db: any SQLDatabase) async throws {
        try await lockDashboardDay(tenantID: tenantID, day: at / DashboardSpan.day.length, engine: engine, on: db)
        try await db.raw("""
            DELETE FROM dashboard_hours WHERE tenant_id = \(bind: tenantID) AND hour = \(bind: at / DashboardSpan.hour.length)
            """).run()
    }

    /// Keeping a day or one of its hours and forgetting them take turns, until the transaction
    /// ends: PostgreSQL by an advisory lock on the tenant and day (READ COMMITTED would let a
    /// replay miss a marker not yet committed); SQLite's write transactions take turns already.
    static func lockDashboardDay(tenantID: String, day: Int, engine: SQLEngine, on db: any SQLDatabase) async throws {
        guard engine == .postgres else { return }
        try await db.raw("SELECT pg_advisory_xact_lock(hashtext(\(bind: tenantID)), CAST(\(bind: day) AS INTEGER))").run()
    }
}
