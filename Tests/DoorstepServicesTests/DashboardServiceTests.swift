import DoorstepCore
import DoorstepStorage
import Foundation
import Synchronization
import Testing

@testable import DoorstepServices

/// Which days the dashboard counts from the records and which it keeps: a day is kept an hour
/// after it ends unless a notification of it is still being tried, and a kept day is read back as
/// it was, whatever the records say later.
@Suite struct DashboardServiceTests {
    /// The records as the store would count them, and what it keeps; every pass over the records is noted.
    final class Store: DashboardStore {
        struct State {
            var records: [DailyCount] = []
            var kept: [Int: [DailyCount]] = [:]
            var passes: [ClosedRange<Int>] = []
        }
        let state = Mutex(State())

        func countsFromRecords(tenantID: String, days: ClosedRange<Int>) async throws -> [DailyCount] {
            state.withLock { state in
                state.passes.append(days)
                return state.records.filter { days.contains($0.day) }
            }
        }

        func keptCounts(tenantID: String, days: ClosedRange<Int>) async throws -> (counts: [DailyCount], keptDays: Set<Int>) {
            state.withLock { state in
                let kept = state.kept.filter { days.contains($0.key) }
                return (kept.values.flatMap { $0 }, Set(kept.keys))
            }
        }

        func keepCounts(tenantID: String, days: [Int], counts: [DailyCount]) async throws {
            state.withLock { state in
                for day in days where state.kept[day] == nil { state.kept[day] = counts.filter { $0.day == day } }
            }
        }
    }

    @Test func closedDaysAreKeptOnceSettledAndReadBackAsTheyWere() async throws {
        let store = Store()
        let day = 20_000  // 2024-10-04
        let clock = Mutex(Date(timeIntervalSince1970: TimeInterval(day) * 86_400 + 30 * 60))  // 00:30 UTC
        let service = DashboardService(store: store, effects: Effects(now: { clock.withLock { $0 } }, newID: { Identifier.random() }))
        store.state.withLock {
            $0.records = (day - 6...day).map { DailyCount(day: $0, metric: "delivered_with_photo", count: 2) }
                + [DailyCount(day: day - 3, metric: "email_pending", count: 1), DailyCount(day: day - 3, metric: "email_done", count: 4, total: 8_000)]
        }

        let first = try await service.figures(tenantID: "t", days: 7)
        #expect(first.daily.map(\.figures.deliveredWithPhoto) == [2, 2, 2, 2, 2, 2, 2] && first.totals.deliveredWithPhoto == 14)
        #expect(first.to == "2024-10-04" && first.from == "2024-09-28")
        #expect(first.notifications.first { $0.channel == "email" } == {
            var email = DashboardFigures.Channel(channel: "email", sent: 4, pending: 1)
            email.sentMilliseconds = 8_000
            return email
        }())
        #expect(first.notifications.first?.averageLatencyMs == 2_000)
        // Yesterday ended only 30 minutes ago, and day - 3 is still being retried: neither is kept.
        #expect(store.state.withLock { Set($0.kept.keys) } == [day - 6, day - 5, day - 4, day - 2])

        // Later records of a kept day change nothing; the days not kept are counted again, each
        // run of days in one pass.
        clock.withLock { $0 = $0.addingTimeInterval(2 * 3600) }
        store.state.withLock { $0.records.append(DailyCount(day: day - 5, metric: "delivered_with_photo", count: 40)); $0.passes = [] }
        let second = try await service.figures(tenantID: "t", days: 7)
        #expect(second == first)
        #expect(store.state.withLock { $0.passes } == [day - 3...day - 3, day - 1...day])
        #expect(store.state.withLock { Set($0.kept.keys) } == [day - 6, day - 5, day - 4, day - 2, day - 1])

        // A week on, the day with a pending message is still counted afresh, never kept; once the
        // message is sent, it is.
        clock.withLock { $0 = $0.addingTimeInterval(7 * 86_400) }
        _ = try await service.figures(tenantID: "t", days: 30)
        #expect(store.state.withLock { $0.kept[day - 3] } == nil)
        store.state.withLock { $0.records.removeAll { $0.metric == "email_pending" } }
        _ = try await service.figures(tenantID: "t", days: 30)
        #expect(store.state.withLock { $0.kept[day - 3] }?.contains { $0.metric == "email_done" } == true)

        await #expect(throws: DoorstepError.self) { try await service.figures(tenantID: "t", days: 8) }
    }

    @Test func consecutiveDaysMakeOnePass() {
        #expect(DashboardService.runs(of: [5, 1, 2, 3, 7, 8]) == [1...3, 5...5, 7...8])
        #expect(DashboardService.runs(of: []) == [])
    }
}
