import DoorstepCore
import Foundation

/// Where a page of a tenant's activity log ends: the next page starts after this entry.
public struct ActivityCursor: Sendable, Equatable {
    /// The entry's time in epoch milliseconds, as stored (no rounding on the way back).
    public var milliseconds: Int64
    public var id: String

    public init(milliseconds: Int64, id: String) {
        self.milliseconds = milliseconds
        self.id = id
    }
}

/// The tenant's activity log: the changes its operators, keys and the command line made
/// (`ActivityEntry`), read together with what staff and keys did with personal data (the access log).
public protocol ActivityStore: Sendable {
    func recordActivity(_ entry: ActivityEntry) async throws
    /// Newest first: the activity log's entries and the access log's staff, key and command-line
    /// entries (under their `data.` names, the delivery as target), before `cursor` if given;
    /// and where the next page starts when this one is full (an entry this version cannot read,
    /// written by a newer one, is left out but still counts towards the page).
    func activity(tenantID: String, before cursor: ActivityCursor?, limit: Int) async throws
        -> (entries: [ActivityEntry], next: ActivityCursor?)
}
