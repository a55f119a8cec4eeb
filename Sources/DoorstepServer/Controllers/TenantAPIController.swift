import DoorstepCore
import Foundation
import Hummingbird

/// The tenant (carrier or shop) API: API key as Bearer token, every read scoped to the tenant.
struct TenantAPIController {
    let dependencies: AppDependencies

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("deliveries", use: create)
        group.get("deliveries", use: list)
        group.get("deliveries/:id", use: show)
        group.post("deliveries/:id/out-for-delivery", use: outForDelivery)
        group.get("deliveries/:id/photo", use: downloadPhoto)
        group.delete("deliveries/:id/photo", use: deletePhoto)
        group.get("settings", use: settings)
        group.put("settings", use: updateSettings)
        group.get("recipients/export", use: exportRecipient)
        group.post("recipients/erase", use: eraseRecipient)
    }

    private struct Caller {
        var tenant: Tenant
        var keyPrefix: String
    }

    private func caller(_ request: Request) async throws -> Caller {
        guard let token = request.bearerToken else { throw DoorstepError.unauthenticated }
        return Caller(tenant: try await dependencies.accounts.tenant(apiKey: token), keyPrefix: String(token.prefix(10)))
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await caller(request).tenant
        let body = try await request.decodeJSON(as: CreateDeliveryRequest.self, context: context)
        let delivery = try await dependencies.deliveries.create(body.newDelivery, for: tenant)
        var headers: HTTPFields = [:]
        headers[.location] = "/api/v1/deliveries/\(delivery.id)"
        return try JSONResponse.make(try await resource(delivery, detailed: true), status: .created, headers: headers)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await caller(request).tenant
        let delivery = try await dependencies.deliveries.get(context.parameters.get("id") ?? "", for: tenant)
        return try JSONResponse.make(try await resource(delivery, detailed: true))
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await caller(request).tenant
        let limitText = request.uri.queryParameters["limit"].map(String.init)
        let limit = try limitText.map { text throws(DoorstepError) in
            guard let value = Int(text) else { throw .invalidInput(field: "limit", reason: "must be a number") }
            return value
        }
        let page = try await dependencies.deliveries.list(
            for: tenant, limit: limit, cursor: request.uri.queryParameters["cursor"].map(String.init))
        var items: [DeliveryResource] = []
        for delivery in page.deliveries { items.append(try await resource(delivery, detailed: false)) }
        return try JSONResponse.make(DeliveryPage(items: items, nextCursor: page.nextCursor))
    }

    @Sendable func outForDelivery(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await caller(request).tenant
        let delivery = try await dependencies.deliveries.get(context.parameters.get("id") ?? "", for: tenant)
        return try JSONResponse.make(try await resource(try await dependencies.deliveries.markOutForDelivery(delivery), detailed: true))
    }

    /// The tenant's copy of the photo (e.g. for a dispute). Recorded in the access audit, which
    /// the customer sees.
    @Sendable func downloadPhoto(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await caller(request)
        let delivery = try await dependencies.deliveries.get(context.parameters.get("id") ?? "", for: caller.tenant)
        guard let photo = try await dependencies.store.currentPhoto(deliveryID: delivery.id) else { throw DoorstepError.notFound }
        let bytes = try await dependencies.vault.read(photo, variant: .display)
        try await dependencies.privacy.audit(.download, tenantID: caller.tenant.id, deliveryID: delivery.id, photoID: photo.id, by: .apiKey, actorID: caller.keyPrefix)
        var headers: HTTPFields = [:]
        headers[.contentType] = "image/jpeg"
        headers[.cacheControl] = "private, no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// Deletes the delivery's photo now, e.g. on the customer's request by phone.
    @Sendable func deletePhoto(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await caller(request)
        let delivery = try await dependencies.deliveries.get(context.parameters.get("id") ?? "", for: caller.tenant)
        guard try await dependencies.privacy.deleteCurrentPhoto(of: delivery, by: .apiKey, actorID: caller.keyPrefix) else {
            throw DoorstepError.notFound
        }
        return Response(status: .noContent)
    }

    @Sendable func settings(_ request: Request, context: AppRequestContext) async throws -> Response {
        try JSONResponse.make(SettingsResource(try await caller(request).tenant.settings))
    }

    /// Changes apply to photos uploaded from now on; existing photos keep the expiry they got.
    @Sendable func updateSettings(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await caller(request).tenant
        let settings = try await request.decodeJSON(as: SettingsResource.self, context: context).settings.validated()
        try await dependencies.store.updateSettings(settings, tenantID: tenant.id)
        return try JSONResponse.make(SettingsResource(settings))
    }

    @Sendable func exportRecipient(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await caller(request)
        guard let email = request.uri.queryParameters["email"].map(String.init) else {
            throw DoorstepError.invalidInput(field: "email", reason: "is required")
        }
        return try JSONResponse.make(try await dependencies.privacy.export(tenantID: caller.tenant.id, email: email, by: .apiKey, actorID: caller.keyPrefix))
    }

    @Sendable func eraseRecipient(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await caller(request)
        let body = try await request.decodeJSON(as: EraseRequest.self, context: context)
        let count = try await dependencies.privacy.erase(tenantID: caller.tenant.id, email: body.email, by: .apiKey, actorID: caller.keyPrefix)
        return try JSONResponse.make(["erased_deliveries": count])
    }

    private func resource(_ delivery: Delivery, detailed: Bool) async throws -> DeliveryResource {
        var resource = DeliveryResource(
            delivery, photo: detailed ? try await dependencies.deliveries.photo(of: delivery) : nil,
            customerURL: dependencies.deliveries.customerURL(for: delivery), uploadURL: dependencies.deliveries.uploadURL(for: delivery))
        resource.preferencesURL = dependencies.customerAccess.preferencesURL(for: delivery)
        if detailed {
            resource.photoPolicy = try await dependencies.privacy.policy(for: delivery).code
            resource.proofs = try await dependencies.store.photoProofs(deliveryID: delivery.id).map(ProofResource.init)
            resource.problems = try await dependencies.store.problemReports(deliveryID: delivery.id).map(ProblemResource.init)
        }
        return resource
    }
}
