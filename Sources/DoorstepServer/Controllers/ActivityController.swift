import DoorstepCore
import DoorstepServices
import Foundation
import Hummingbird

/// The tenant's activity log (`ActivityLog`), newest first, a page at a time: what its operators,
/// keys and the command line changed, and what staff and keys did with personal data. Admins
/// and keys with `read`; support staff do not read who changed settings and keys.
struct ActivityController {
    let authenticator: TenantAuthenticator
    let activity: ActivityLog

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.add(middleware: authenticator)
        group.get("", use: list)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant(.read, adminOnlyForOperators: true).tenant
        let query = request.uri.queryParameters
        let limit = try query["limit"].map {
            guard let limit = Int(String($0)) else { throw DoorstepError.invalidInput(field: "limit", reason: "must be a whole number") }
            return limit
        }
        let page = try await activity.page(tenantID: tenant.id, before: query["before"].map(String.init), limit: limit)
        return try JSONResponse.make(ActivityPageResource(page))
    }
}

struct ActivityPageResource: Encodable {
    struct Actor: Encodable {
        /// `staff`, `api_key`, `operator` (the command line).
        var kind: String
        var id: String?
        var name: String?
    }

    struct Item: Encodable {
        var id: String
        var at: Date
        var action: String
        var actor: Actor
        var targetID: String?
        var detail: String?

        enum CodingKeys: String, CodingKey { case id, at, action, actor, targetID = "target_id", detail }
    }

    var items: [Item]
    var next: String?

    init(_ page: ActivityLog.Page) {
        items = page.lines.map { line in
            let entry = line.entry
            return Item(
                id: entry.id, at: entry.at, action: entry.action.rawValue,
                actor: Actor(kind: entry.actor.rawValue, id: entry.actorID, name: line.actorName), targetID: entry.targetID, detail: entry.detail)
        }
        next = page.next
    }
}
