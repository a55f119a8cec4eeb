import DoorstepCore
import Foundation

/// One figure of one day of a tenant's dashboard: how many (`count`) and, for durations, their
/// sum in milliseconds (`total`). Days are UTC epoch days (milliseconds ÷ `DailyCount.dayLength`).
public struct DailyCount: Sendable, Equatable, Hashable {
    public static let dayLength = 86_400_000

    public var day: Int
    public var metric: String
    public var count: Int
    public var total: Int

    public init(day: Int, metric: String, count: Int, total: Int = 0) {
        self.day = day
        self.metric = metric
        self.count = count
        self.total = total
    }
}

/// The names of the dashboard's figures: the store's queries name their columns with them and
/// the dashboard reads them back, so the two cannot drift apart.
public enum DashboardMetric {
    public static let deliveredWithPhoto = "delivered_with_photo"
    public static let deliveredWithoutPhoto = "delivered_without_photo"
    public static let attempted = "attempted"
    public static let photos = "photos"
    public static let photosFlagged = "photos_flagged"
    public static let reuseFlagged = "reuse_flagged"
    public static let pageViews = AccessEvent.Action.viewPage.rawValue
    public static let optOuts = AccessEvent.Action.optOut.rawValue

    public static func quality(_ issue: QualityIssue) -> String { "quality_" + issue.rawValue }
    /// `location_at_address`, …: a column name, so no hyphen.
    public static func location(_ verdict: LocationVerdict) -> String { "location_" + verdict.rawValue.replacingOccurrences(of: "-", with: "_") }
    public static func notification(_ channel: OutboxMessage.Channel, _ state: OutboxMessage.State) -> String {
        channel.rawValue + "_" + state.rawValue
    }

    /// The channels the dashboard shows, in its order.
    public static let channels: [OutboxMessage.Channel] = [.email, .sms, .webhook]
    /// Every notification figure's name, with the channel and state it counts.
    public static let notifications: [String: (channel: OutboxMessage.Channel, state: OutboxMessage.State)] = Dictionary(
        uniqueKeysWithValues: channels.flatMap { channel in
            [OutboxMessage.State.pending, .done, .dead].map { (notification(channel, $0), (channel, $0)) }
        })
}

/// The dashboard's figures. Counted by the database from the records (each family of figures one
/// grouped query on an index by tenant and time), and kept per closed day, so a 90-day view reads
/// at most 90 days of small rows plus what the days not yet kept hold.
public protocol DashboardStore: Sendable {
    /// Figures computed from the records, for every day in `days` that has any.
    func countsFromRecords(tenantID: String, days: ClosedRange<Int>) async throws -> [DailyCount]
    /// Figures kept for closed days in `days`, and which of those days were kept (a day with no
    /// activity is kept too, with no figures).
    func keptCounts(tenantID: String, days: ClosedRange<Int>) async throws -> (counts: [DailyCount], keptDays: Set<Int>)
    /// Keeps the figures of closed days (`counts` holds only those days'). A day already kept is
    /// left as it is, whole: of two servers keeping the same day at once, one keeps it.
    func keepCounts(tenantID: String, days: [Int], counts: [DailyCount]) async throws
}
