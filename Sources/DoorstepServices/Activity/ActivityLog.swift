import DoorstepCore
import DoorstepStorage
import Foundation
import Logging

/// The tenant's activity log: every change its operators, API keys and the command line make,
/// with who made it, and (read together with it) what staff and keys did with personal data.
/// The tenant's admins read it in the console; `GET /api/v1/activity` pages through it.
public struct ActivityLog: Sendable {
    public static let pageSize = 50
    public static let maxPageSize = 200

    let store: any ActivityStore & OperatorStore & AccountStore
    let effects: Effects
    let logger = Logger(label: "doorstep.activity")

    public init(store: any ActivityStore & OperatorStore & AccountStore, effects: Effects) {
        self.store = store
        self.effects = effects
    }

    /// Writes an entry for a change already made. It does not throw: the change stands, and an
    /// error here would make the caller try a change again that was made. A lost entry is logged
    /// (as an error, with the action only).
    public func record(
        _ action: Activity, tenantID: String, by actor: AccessEvent.Actor, actorID: String?, target: String? = nil, detail: String? = nil
    ) async {
        let entry = ActivityEntry(
            id: effects.newID(), tenantID: tenantID, actor: actor, actorID: actorID, action: action, targetID: target, detail: detail,
            at: effects.now())
        do {
            try await store.recordActivity(entry)
        } catch {
            logger.error("activity entry not written", metadata: ["action": "\(action.rawValue)", "error": "\(String(describing: type(of: error)))"])
        }
    }

    /// One entry as an admin reads it: who by name as well as id (an operator's display name, a
    /// key's name), so a removed account still shows its id.
    public struct Line: Sendable, Equatable {
        public var entry: ActivityEntry
        public var actorName: String?
    }

    public struct Page: Sendable, Equatable {
        public var lines: [Line]
        /// Where the next page starts (`before`); none on the last page.
        public var next: String?
    }

    /// Newest first, `limit` entries (1…200) before the `before` cursor of an earlier page.
    public func page(tenantID: String, before: String?, limit: Int?) async throws -> Page {
        let limit = limit ?? Self.pageSize
        guard (1...Self.maxPageSize).contains(limit) else {
            throw DoorstepError.invalidInput(field: "limit", reason: "must be from 1 to \(Self.maxPageSize)")
        }
        let cursor = try before.map(Self.cursor)
        let (entries, next) = try await store.activity(tenantID: tenantID, before: cursor, limit: limit)
        let names = try await ActorNames.of(tenantID: tenantID, in: store)
        let lines = entries.map { Line(entry: $0, actorName: names.name(of: $0.actor, id: $0.actorID)) }
        return Page(lines: lines, next: next.map { "\($0.milliseconds)_\($0.id)" })
    }

    /// `<milliseconds>_<id>`, as `page` hands it out; a time within years 1970 to 9999.
    static func cursor(_ text: String) throws(DoorstepError) -> ActivityCursor {
        let parts = text.split(separator: "_", maxSplits: 1)
        guard text.utf8.count <= 100, parts.count == 2, let ms = Int64(parts[0]), (0...253_402_300_799_999).contains(ms),
              Identifier.isValid(String(parts[1]))
        else { throw DoorstepError.invalidInput(field: "before", reason: "is not a cursor this log handed out") }
        return ActivityCursor(milliseconds: ms, id: String(parts[1]))
    }
}
