import DoorstepCore
import DoorstepStorage
import Foundation

/// The dashboard as the API answers it (`GET /api/v1/dashboard`): a row of figures per day, the
/// window's totals, and the breakdowns the charts show.
public struct DashboardFigures: Encodable, Sendable, Equatable {
    /// What happened on one day (or in the whole window, for `totals`).
    public struct Figures: Encodable, Sendable, Equatable {
        public var deliveredWithPhoto = 0
        /// Without a photo for another reason than an opt-out: the courier took none, photos are
        /// off in the region or need consent first.
        public var deliveredWithoutPhoto = 0
        /// Without a photo because the recipient had opted out.
        public var deliveredOptedOut = 0
        public var attempted = 0
        public var photos = 0
        /// Photos kept with a quality issue (the courier was asked to retake, or the tenant's policy only flags).
        public var photosFlagged = 0
        public var optOuts = 0
        public var pageViews = 0
        public var notificationsSent = 0
        public var notificationsFailed = 0

        enum CodingKeys: String, CodingKey {
            case deliveredWithPhoto = "delivered_with_photo", deliveredWithoutPhoto = "delivered_without_photo"
            case deliveredOptedOut = "delivered_opted_out", attempted, photos
            case photosFlagged = "photos_flagged", optOuts = "opt_outs", pageViews = "page_views"
            case notificationsSent = "notifications_sent", notificationsFailed = "notifications_failed"
        }

        mutating func add(_ count: DashboardCount) {
            switch count.metric {
            case DashboardMetric.deliveredWithPhoto: deliveredWithPhoto += count.count
            case DashboardMetric.deliveredWithoutPhoto: deliveredWithoutPhoto += count.count
            case DashboardMetric.deliveredOptedOut: deliveredOptedOut += count.count
            case DashboardMetric.attempted: attempted += count.count
            case DashboardMetric.photos: photos += count.count
            case DashboardMetric.photosFlagged: photosFlagged += count.count
            case DashboardMetric.optOuts: optOuts += count.count
            case DashboardMetric.pageViews: pageViews += count.count
            default:
                switch DashboardMetric.notifications[count.metric]?.state {
                case .done?: notificationsSent += count.count
                case .dead?: notificationsFailed += count.count
                case .pending?, nil: break
                }
            }
        }
    }

    public struct Day: Encodable, Sendable, Equatable {
        public var date: String
        public var figures: Figures

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: DateKey.self)
            try container.encode(date, forKey: .date)
            try figures.encode(to: encoder)
        }

        enum DateKey: String, CodingKey { case date }
    }

    /// One channel's notifications for the window's events: sent, given up on, still being tried,
    /// and the mean time from queued to sent (retries included).
    public struct Channel: Encodable, Sendable, Equatable {
        public var channel: String
        public var sent = 0
        public var failed = 0
        public var pending = 0
        var sentMilliseconds = 0
        public var averageLatencyMs: Int? { sent == 0 ? nil : Int((Double(sentMilliseconds) / Double(sent)).rounded()) }

        enum CodingKeys: String, CodingKey { case channel, sent, failed, pending, averageLatencyMs = "average_latency_ms" }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(channel, forKey: .channel)
            try container.encode(sent, forKey: .sent)
            try container.encode(failed, forKey: .failed)
            try container.encode(pending, forKey: .pending)
            try container.encode(averageLatencyMs, forKey: .averageLatencyMs)
        }
    }

    public var days: Int
    public var from: String
    public var to: String
    public var daily: [Day]
    public var totals = Figures()
    /// Photos taken, by quality issue (a photo may have several).
    public var qualityIssues: [String: Int]
    /// Photos taken, by where they were taken relative to the address.
    public var location: [String: Int]
    public var reuseFlagged = 0
    public var notifications: [Channel]

    enum CodingKeys: String, CodingKey {
        case days, from, to, daily, totals, qualityIssues = "quality_issues", location, reuseFlagged = "reuse_flagged", notifications
    }

    init(window: ClosedRange<Int>, counts: [DashboardCount]) {
        let dates = Dictionary(uniqueKeysWithValues: window.map { ($0, Self.date(ofDay: $0)) })
        days = window.count
        from = dates[window.lowerBound]!
        to = dates[window.upperBound]!
        qualityIssues = Dictionary(uniqueKeysWithValues: QualityIssue.allCases.map { ($0.rawValue, 0) })
        location = Dictionary(uniqueKeysWithValues: LocationVerdict.allCases.map { (Self.key($0), 0) })
        // Which figure each metric name is (one lookup a count).
        var issueOf: [String: String] = [:], placeOf: [String: String] = [:]
        for issue in QualityIssue.allCases { issueOf[DashboardMetric.quality(issue)] = issue.rawValue }
        for verdict in LocationVerdict.allCases { placeOf[DashboardMetric.location(verdict)] = Self.key(verdict) }
        var channels = DashboardMetric.channels.map { Channel(channel: $0.rawValue) }
        var byDay: [Int: Figures] = [:]
        for count in counts where window.contains(count.bucket) {
            byDay[count.bucket, default: Figures()].add(count)
            totals.add(count)
            if let issue = issueOf[count.metric] { qualityIssues[issue, default: 0] += count.count }
            if let place = placeOf[count.metric] { location[place, default: 0] += count.count }
            if count.metric == DashboardMetric.reuseFlagged { reuseFlagged += count.count }
            if let (channel, state) = DashboardMetric.notifications[count.metric],
               let index = DashboardMetric.channels.firstIndex(of: channel) {
                switch state {
                case .done:
                    channels[index].sent += count.count
                    channels[index].sentMilliseconds += count.total
                case .dead: channels[index].failed += count.count
                case .pending: channels[index].pending += count.count
                }
            }
        }
        daily = window.map { Day(date: dates[$0]!, figures: byDay[$0] ?? Figures()) }
        notifications = channels
    }

    /// The verdict as a JSON key (`at_address`).
    static func key(_ verdict: LocationVerdict) -> String { String(DashboardMetric.location(verdict).dropFirst("location_".count)) }

    static func date(ofDay day: Int) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents(
            [.year, .month, .day], from: Date(timeIntervalSince1970: TimeInterval(day * DashboardSpan.day.length) / 1000))
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }
}
