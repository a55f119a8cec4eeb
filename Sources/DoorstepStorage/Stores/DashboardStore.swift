import DoorstepCore
import Foundation

/// How long a bucket of dashboard figures lasts. Closed days are kept; so are the closed hours of
/// a day not yet kept (today), so that a view counts from the records only the last hour or so.
public enum DashboardSpan: Int, Sendable, CaseIterable {
    case hour = 3_600_000
    case day = 86_400_000

    /// Milliseconds.
    public var length: Int { rawValue }
    public static let hoursADay = day.length / hour.length
    /// Where its kept figures are, and the column numbering its buckets.
    var table: String { self == .day ? "dashboard_days" : "dashboard_hours" }
    var column: String { self == .day ? "day" : "hour" }
}

/// One figure of one bucket (a day or an hour) of a tenant's dashboard: how many (`count`) and,
/// for durations, their sum in milliseconds (`total`). A bucket is numbered from the UTC epoch:
/// its start in milliseconds ÷ its span's length.
public struct DashboardCount: Sendable, Equatable, Hashable {
    public var bucket: Int
    public var metric: String
    public var count: Int
    public var total: Int

    public init(bucket: Int, metric: String, count: Int, total: Int = 0) {
        self.bucket = bucket
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
    /// Delivered without a photo because the recipient had opted out.
    public static let deliveredOptedOut = "delivered_opted_out"
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
/// grouped query on an index by tenant and time), and kept per closed bucket, so a 90-day view
/// reads at most 90 days and 24 hours of small rows plus what the buckets not yet kept hold.
public protocol DashboardStore: Sendable {
    /// Figures computed from the records, for every bucket in `buckets` that has any.
    func countsFromRecords(tenantID: String, span: DashboardSpan, buckets: ClosedRange<Int>) async throws -> [DashboardCount]
    /// Figures kept for closed buckets in `buckets`, and which of those buckets were kept (one with
    /// no activity is kept too, with no figures).
    func keptCounts(tenantID: String, span: DashboardSpan, buckets: ClosedRange<Int>) async throws
        -> (counts: [DashboardCount], kept: Set<Int>)
    /// Keeps the figures of closed buckets (`counts` holds only those buckets'). A bucket already
    /// kept is left as it is, whole: of two servers keeping the same one at once, one keeps it.
    /// Keeping a day lets go of the hours kept for it and before it.
    func keepCounts(tenantID: String, span: DashboardSpan, buckets: [Int], counts: [DashboardCount]) async throws
}
