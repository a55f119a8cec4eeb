import DoorstepCore
import DoorstepSecurity
import DoorstepServices
import DoorstepStorage
import Foundation
import Hummingbird

/// A tenant's couriers, managed from the console or the API: listed (for support staff too, to
/// find a courier's stops), created, disabled and enabled again, and their password reset. A
/// password is in the answer that made it, never again; resetting one signs the courier out.
struct CourierController {
    let accounts: AccountService

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("", use: list)
        group.post("", use: create)
        group.post(":id/disable", use: disable)
        group.post(":id/enable", use: enable)
        group.post(":id/reset-password", use: resetPassword)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant(.read).tenant
        return try JSONResponse.make(["items": try await accounts.couriers(of: tenant).map { CourierResource($0.courier, disabledAt: $0.disabledAt) }])
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant(.admin).tenant
        let body = try await request.decodeJSON(as: CreateCourierRequest.self, context: context, limit: 4096)
        let password = body.password ?? GeneratedPassword.make()
        let courier = try await accounts.createCourier(tenantID: tenant.id, username: body.username, displayName: body.displayName, password: password)
        context.activity.target = courier.id
        var resource = CourierResource(courier, disabledAt: nil)
        if body.password == nil { resource.password = password }
        return try JSONResponse.make(resource, status: .created)
    }

    @Sendable func disable(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await setDisabled(true, context)
    }

    @Sendable func enable(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await setDisabled(false, context)
    }

    private func setDisabled(_ disabled: Bool, _ context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant(.admin).tenant
        let found = try await accounts.setCourierDisabled(disabled, courierID: context.parameters.get("id") ?? "", of: tenant)
        return try JSONResponse.make(CourierResource(found.courier, disabledAt: found.disabledAt))
    }

    @Sendable func resetPassword(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant(.admin).tenant
        let password = GeneratedPassword.make()
        let found = try await accounts.resetCourierPassword(courierID: context.parameters.get("id") ?? "", to: password, of: tenant)
        var resource = CourierResource(found.courier, disabledAt: found.disabledAt)
        resource.password = password
        return try JSONResponse.make(resource)
    }
}

struct CreateCourierRequest: Decodable {
    var username: String
    var displayName: String
    /// Given by the caller, or generated (and then returned once).
    var password: String?

    enum CodingKeys: String, CodingKey {
        case username, displayName = "display_name", password
    }
}

struct CourierResource: Encodable {
    var id: String
    var username: String
    var displayName: String
    var createdAt: Date
    var disabledAt: Date?
    /// A generated password, in the answer that made it only.
    var password: String?

    init(_ courier: Courier, disabledAt: Date?) {
        (id, username, displayName, createdAt, self.disabledAt) = (courier.id, courier.username, courier.displayName, courier.createdAt, disabledAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, username, displayName = "display_name", createdAt = "created_at", disabledAt = "disabled_at", password
    }
}
