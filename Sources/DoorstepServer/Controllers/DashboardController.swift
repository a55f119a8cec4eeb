import DoorstepCore
import DoorstepServices
import Foundation
import Hummingbird

/// The operators' dashboard figures (`DashboardFigures`): for every operator and for API keys
/// with `read`; `?days=` 7, 30 (the default) or 90.
struct DashboardController {
    let authenticator: TenantAuthenticator
    let dashboard: DashboardService

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.add(middleware: authenticator)
        group.get("", use: show)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant(.read).tenant
        let days = try request.uri.queryParameters["days"].map {
            guard let days = Int(String($0)) else { throw DoorstepError.invalidInput(field: "days", reason: "must be 7, 30 or 90") }
            return days
        } ?? 30
        return try JSONResponse.make(try await dashboard.figures(tenantID: tenant.id, days: days), validating: request)
    }
}
