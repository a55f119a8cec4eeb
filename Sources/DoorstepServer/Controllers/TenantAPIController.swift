import DoorstepCore
import Hummingbird

/// The tenant (carrier or shop) API: API key as Bearer token, every read scoped to the tenant.
struct TenantAPIController {
    let dependencies: AppDependencies

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("deliveries", use: create)
        group.get("deliveries", use: list)
        group.get("deliveries/:id", use: show)
    }

    private func tenant(_ request: Request) async throws -> Tenant {
        guard let token = request.bearerToken else { throw DoorstepError.unauthenticated }
        return try await dependencies.accounts.tenant(apiKey: token)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenant(request)
        let body = try await request.decodeJSON(as: CreateDeliveryRequest.self, context: context)
        let delivery = try await dependencies.deliveries.create(body.newDelivery, for: tenant)
        var headers: HTTPFields = [:]
        headers[.location] = "/api/v1/deliveries/\(delivery.id)"
        return try JSONResponse.make(resource(delivery, photo: nil), status: .created, headers: headers)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenant(request)
        let delivery = try await dependencies.deliveries.get(context.parameters.get("id") ?? "", for: tenant)
        return try JSONResponse.make(resource(delivery, photo: try await dependencies.deliveries.photo(of: delivery)))
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenant(request)
        let limitText = request.uri.queryParameters["limit"].map(String.init)
        let limit = try limitText.map { text throws(DoorstepError) in
            guard let value = Int(text) else { throw .invalidInput(field: "limit", reason: "must be a number") }
            return value
        }
        let page = try await dependencies.deliveries.list(
            for: tenant, limit: limit, cursor: request.uri.queryParameters["cursor"].map(String.init))
        return try JSONResponse.make(DeliveryPage(items: page.deliveries.map { resource($0, photo: nil) }, nextCursor: page.nextCursor))
    }

    private func resource(_ delivery: Delivery, photo: Photo?) -> DeliveryResource {
        DeliveryResource(
            delivery, photo: photo, customerURL: dependencies.deliveries.customerURL(for: delivery),
            uploadURL: dependencies.deliveries.uploadURL(for: delivery))
    }
}
