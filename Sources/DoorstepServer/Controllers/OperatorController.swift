import DoorstepCore
import DoorstepServices
import Foundation
import Hummingbird

/// The tenant's operators as colleagues see them: whom a case can be given to. Accounts are made
/// and disabled at the command line (`doorstep operator`).
struct OperatorController {
    let authenticator: TenantAuthenticator
    let operators: OperatorAccounts

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.add(middleware: authenticator)
        group.get("", use: list)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant(.read).tenant
        let items = try await operators.operators(of: tenant).map { OperatorResource($0.account, disabledAt: $0.disabledAt) }
        return try JSONResponse.make(["items": items])
    }
}

/// No username: sign-in names are unique across the server, and a list of them would help whoever
/// guesses passwords (or locks colleagues out). A name and an id are enough to give a case to.
struct OperatorResource: Encodable {
    var id: String
    var displayName: String
    var role: OperatorRole
    var disabledAt: Date?

    init(_ account: OperatorAccount, disabledAt: Date?) {
        (id, displayName, role, self.disabledAt) = (account.id, account.displayName, account.role, disabledAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, displayName = "display_name", role, disabledAt = "disabled_at"
    }
}
