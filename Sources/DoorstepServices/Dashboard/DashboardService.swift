import DoorstepCore
import DoorstepStorage
import Foundation

/// The operators' dashboard over the last 7, 30 or 90 days (UTC days, today included). Figures
/// are counted by the database from the records; a closed day's are kept the first time a view
/// needs them, so a view counts afresh only today (and a day whose notifications are still being
/// retried). Deliveries count on the day they were first delivered, with the outcome (photo or
/// none) they had when their day was kept.
public struct DashboardService: Sendable {
    public static let windows = [7, 30, 90]
    static let day = DailyCount.dayLength
    /// A day is kept an hour after it ends: what began before midnight has committed by then, and
    /// the servers' clocks (the viewer's says when a day ended, the writers' stamped the records)
    /// are assumed to agree within that hour (NTP keeps them within milliseconds).
    static let settle = 3_600_000

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
        let today = now / Self.day
        let window = (today - days + 1)...today
        var (counts, kept) = try await store.keptCounts(tenantID: tenantID, days: window)
        for run in Self.runs(of: window.filter { !kept.contains($0) }) {
            let fresh = try await store.countsFromRecords(tenantID: tenantID, days: run)
            counts += fresh
            // Never a day with a notification still pending: its outcome is not known yet (a worker
            // that is down keeps that day counted afresh on every view until it is). A dead letter
            // sent again makes its day forgotten (`replayOutboxMessage`).
            let settled = Set(run.filter { day in
                let retrying = fresh.contains { $0.day == day && DashboardMetric.notifications[$0.metric]?.state == .pending }
                return now >= (day + 1) * Self.day + Self.settle && !retrying
            })
            try await store.keepCounts(tenantID: tenantID, days: settled.sorted(), counts: fresh.filter { settled.contains($0.day) })
            kept.formUnion(settled)
        }
        return DashboardFigures(window: window, counts: counts)
    }

    /// Consecutive days as ranges: each is one pass over the records.
    static func runs(of days: [Int]) -> [ClosedRange<Int>] {
        var runs: [ClosedRange<Int>] = []
        for day in days.sorted() {
            if let last = runs.last, last.upperBound + 1 == day { runs[runs.count - 1] = last.lowerBound...day } else { runs.append(day...day) }
        }
        return runs
    }
}
