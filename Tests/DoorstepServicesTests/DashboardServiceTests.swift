import DoorstepCore
import DoorstepStorage
import Foundation
import Synchronization
import Testing

@testable import DoorstepServices

/// Which days and hours the dashboard counts from the records and which it keeps: a day is kept an
/// hour after it ends, an hour of a day not kept yet ten minutes after it ends, either only once
/// none of its notifications is still being tried; what is kept is read back as it was, whatever
/// the records say later.
@Suite struct DashboardServiceTests {
    /// The records as the store would count them (held by the hour), and what it keeps; every
    /// pass over the records is noted.
    final class Store: DashboardStore {
        struct Pass: Equatable {
            var span: DashboardSpan
            var buckets: ClosedRange<Int>
        }
        struct State {
            var records: [DashboardCount] = []
            var kept: [DashboardSpan: [Int: [DashboardCount]]] = [:]
            var passes: [Pass] = []
            func kept(_ span: DashboardSpan) -> Set<Int> { Set(kept[span, default: [:]].keys) }
        }
        let state = Mutex(State())

        func countsFromRecords(tenantID: String, span: DashboardSpan, buckets: ClosedRange<Int>) async throws -> [DashboardCount] {
            state.withLock { state in
                state.passes.append(Pass(span: span, buckets: buckets))
                return state.records.compactMap { record in
                    var count = record
                    count.bucket = record.bucket * DashboardSpan.hour.length / span.length
                    return buckets.contains(count.bucket) ? count : nil
                }
            }
        }

        func keptCounts(tenantID: String, span: DashboardSpan, buckets: ClosedRange<Int>) async throws
            -> (counts: [DashboardCount], kept: Set<Int>) {
            state.withLock { state in
                let kept = state.kept[span, default: [:]].filter { buckets.contains($0.key) }
                return (kept.values.flatMap { $0 }, Set(kept.keys))
            }
        }

        func keepCounts(tenantID: String, span: DashboardSpan, buckets: [Int], counts: [DashboardCount]) async throws {
            state.withLock { state in
                for bucket in buckets where state.kept[span, default: [:]][bucket] == nil {
                    state.kept[span, default: [:]][bucket] = counts.filter { $0.bucket == bucket }
                }
            }
        }
    }

    static func hour(_ day: Int, _ hour: Int) -> Int { day * 24 + hour }

    @Test func closedDaysAndHoursAreKeptOnceSettledAndReadBackAsTheyWere() async throws {
        let store = Store()
        let day = 20_000  // 2024-10-04
        let clock = Mutex(Date(timeIntervalSince1970: TimeInterval(day) * 86_400 + 30 * 60))  // 00:30 UTC
        let service = DashboardService(store: store, effects: Effects(now: { clock.withLock { $0 } }, newID: { Identifier.random() }))
        store.state.withLock {
            $0.records = (day - 6..<day).map { DashboardCount(bucket: Self.hour($0, 12), metric: "delivered_with_photo", count: 2) }
                + [DashboardCount(bucket: Self.hour(day, 0), metric: "delivered_with_photo", count: 2),
                   DashboardCount(bucket: Self.hour(day, 0), metric: "webhook_pending", count: 1),
                   DashboardCount(bucket: Self.hour(day - 3, 12), metric: "email_pending", count: 1),
                   DashboardCount(bucket: Self.hour(day - 3, 12), metric: "email_done", count: 4, total: 8_000)]
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
        #expect(first.notifications.last == DashboardFigures.Channel(channel: "webhook", pending: 1))
        // Yesterday ended only 30 minutes ago, and day - 3 is still being retried: neither is kept
        // as a day. Yesterday's hours are (its last ended 30 minutes ago); today's first is not over.
        #expect(store.state.withLock { $0.kept(.day) } == [day - 6, day - 5, day - 4, day - 2])
        #expect(store.state.withLock { $0.kept(.hour) } == Set(Self.hour(day - 1, 0)...Self.hour(day - 1, 23)))
        #expect(store.state.withLock { $0.passes } == [
            .init(span: .day, buckets: day - 6...day - 2), .init(span: .hour, buckets: Self.hour(day - 1, 0)...Self.hour(day - 1, 23)),
            .init(span: .hour, buckets: Self.hour(day, 0)...Self.hour(day, 23)),
        ])

        // Later records of a kept day change nothing; the buckets not kept are counted again,
        // each run in one pass: the day still retried, yesterday (settled now) as a day, today's
        // two closed hours, and the rest of today.
        clock.withLock { $0 = $0.addingTimeInterval(2 * 3600) }  // 02:30
        store.state.withLock { $0.records.append(DashboardCount(bucket: Self.hour(day - 5, 3), metric: "delivered_with_photo", count: 40)); $0.passes = [] }
        let second = try await service.figures(tenantID: "t", days: 7)
        #expect(second == first)
        #expect(store.state.withLock { $0.passes } == [
            .init(span: .day, buckets: day - 3...day - 3), .init(span: .day, buckets: day - 1...day - 1),
            .init(span: .hour, buckets: Self.hour(day, 0)...Self.hour(day, 1)), .init(span: .hour, buckets: Self.hour(day, 2)...Self.hour(day, 23)),
        ])
        #expect(store.state.withLock { $0.kept(.day) } == [day - 6, day - 5, day - 4, day - 2, day - 1])
        // Today's first hour has a webhook still being tried: not kept; its second hour is.
        #expect(store.state.withLock { $0.kept(.hour).filter { $0 >= Self.hour(day, 0) } } == [Self.hour(day, 1)])

        // A week on, the day with a pending message is still counted afresh, never kept; once the
        // message is sent, it is.
        clock.withLock { $0 = $0.addingTimeInterval(7 * 86_400) }
        _ = try await service.figures(tenantID: "t", days: 30)
        #expect(store.state.withLock { $0.kept[.day]?[day - 3] } == nil)
        store.state.withLock { $0.records.removeAll { $0.metric == "email_pending" } }
        _ = try await service.figures(tenantID: "t", days: 30)
        #expect(store.state.withLock { $0.kept[.day]?[day - 3] }?.contains { $0.metric == "email_done" } == true)

        await #expect(throws: DoorstepError.self) { try await service.figures(tenantID: "t", days: 8) }
    }

    @Test func consecutiveBucketsMakeOnePass() {
        #expect(DashboardService.runs(of: [5, 1, 2, 3, 7, 8]) == [1...3, 5...5, 7...8])
        #expect(DashboardService.runs(of: []) == [])
    }
}
