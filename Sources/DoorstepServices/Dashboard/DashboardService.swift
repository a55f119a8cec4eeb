import DoorstepCore
import DoorstepStorage
import Foundation

/// The operators' dashboard over the last 7, 30 or 90 days (UTC days, today included). Figures
/// are counted by the database from the records; a closed day's are kept the first time a view
/// needs them, and so are the closed hours of a day not kept yet, so a view counts afresh only the
/// last hour or so (and a day or hour whose notifications are still being retried). Deliveries
/// count on the day they were first delivered, with the outcome (a photo, none, none as the
/// recipient opted out) they had when their day was kept; until then a photo added later counts
/// (it makes the hour it was delivered in counted again).
public struct DashboardService: Sendable {
    public static let windows = [7, 30, 90]
    /// How long after a bucket ends it may be kept: by then what was stamped inside it has
    /// committed (a record is stamped just before its transaction commits, so seconds would do)
    /// and the servers' clocks (the viewer's says when a bucket ended, the writers' stamped the
    /// records) agree (NTP keeps them within milliseconds). A day waits longer than an hour only
    /// because waiting costs nothing there: its hours stand in for it meanwhile.
    static func settle(_ span: DashboardSpan) -> Int { span == .day ? 3_600_000 : 600_000 }

    let store: any DashboardStore
    let effects: Effects

    public init(store: any DashboardStore, effects: Effects) {
        self.store = store
        self.effects = effects
    }

    public func figures(tenantID: String, days: Int) async throws -> DashboardFigures {
        guard Self.windows.contains(days) else {
            throw DoorstepError.invalidInput(field: "days", reason: "must be one of \(Self.windows.map(String.init).joined(separator: ", "))")
        }
        let now = Int((effects.now().timeIntervalSince1970 * 1000).rounded())
        let today = now / DashboardSpan.day.length
        let window = (today - days + 1)...today
        let (daily, open) = try await gather(tenantID: tenantID, span: .day, buckets: window, now: now)
        var counts = daily
        // The days that cannot be kept yet (today; yesterday just after midnight), by their hours:
        // those closed a while are kept, the rest counted afresh (to the day's end, for a writer
        // whose clock runs ahead).
        if let first = open.min(), let last = open.max() {
            let hours = (first * DashboardSpan.hoursADay)...((last + 1) * DashboardSpan.hoursADay - 1)
            let (hourly, live) = try await gather(tenantID: tenantID, span: .hour, buckets: hours, now: now)
            var fresh: [DashboardCount] = []
            for run in Self.runs(of: live) {
                fresh += try await store.countsFromRecords(tenantID: tenantID, span: .hour, buckets: run)
            }
            counts += (hourly + fresh).map {
                DashboardCount(bucket: $0.bucket / DashboardSpan.hoursADay, metric: $0.metric, count: $0.count, total: $0.total)
            }
        }
        return DashboardFigures(window: window, counts: counts)
    }

    /// The figures of `buckets` that are kept, or closed and settled (counted from the records
    /// and kept, unless a notification in them is still being tried), and the buckets not settled
    /// yet, which this leaves to the caller.
    func gather(tenantID: String, span: DashboardSpan, buckets: ClosedRange<Int>, now: Int) async throws
        -> (counts: [DashboardCount], unsettled: [Int]) {
        let stored = try await store.keptCounts(tenantID: tenantID, span: span, buckets: buckets)
        var counts = stored.counts
        let missing = buckets.filter { !stored.kept.contains($0) }
        let isSettled = { (bucket: Int) in now >= (bucket + 1) * span.length + Self.settle(span) }
        for run in Self.runs(of: missing.filter(isSettled)) {
            let fresh = try await store.countsFromRecords(tenantID: tenantID, span: span, buckets: run)
            counts += fresh
            // Never one with a notification still pending: its outcome is not known yet (a worker
            // that is down keeps it counted afresh on every view until it is). A dead letter sent
            // again makes its day and hour forgotten (`replayOutboxMessage`).
            let retrying = Set(fresh.lazy.filter { DashboardMetric.notifications[$0.metric]?.state == .pending }.map(\.bucket))
            let keep = run.filter { !retrying.contains($0) }
            try await store.keepCounts(tenantID: tenantID, span: span, buckets: keep, counts: fresh.filter { !retrying.contains($0.bucket) })
        }
        return (counts, missing.filter { !isSettled($0) })
    }

    /// Consecutive buckets as ranges: each is one pass over the records.
    static func runs(of buckets: [Int]) -> [ClosedRange<Int>] {
        var runs: [ClosedRange<Int>] = []
        for bucket in buckets.sorted() {
            if let last = runs.last, last.upperBound + 1 == bucket { runs[runs.count - 1] = last.lowerBound...bucket } else { runs.append(bucket...bucket) }
        }
        return runs
    }
}
