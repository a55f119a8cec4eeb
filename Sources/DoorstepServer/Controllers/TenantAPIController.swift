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
        group.get("deliveries/:id/receipt", use: receipt)
        group.get("cases", use: cases)
        group.get("cases/:id", use: caseFile)
        group.post("cases/:id/resolve", use: resolveCase)
    }

    /// The signed receipt of a delivered parcel (verifiable offline with `doorstep receipt verify`).
    @Sendable func receipt(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await caller(request).tenant
        let delivery = try await dependencies.deliveries.get(context.parameters.get("id") ?? "", for: tenant)
        guard let receipt = try await dependencies.evidence.receipt(for: delivery) else { throw DoorstepError.notFound }
        return try JSONResponse.make(receipt)
    }

    /// The tenant's cases (customers' problem reports), newest first; `?status=all` for closed ones too.
    @Sendable func cases(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await caller(request).tenant
        let openOnly = request.uri.queryParameters["status"] != "all"
        let reports = try await dependencies.store.problemReports(tenantID: tenant.id, openOnly: openOnly, limit: 200)
        return try JSONResponse.make(["items": reports.map(ProblemResource.init)])
    }

    @Sendable func caseFile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await caller(request).tenant
        let file = try await dependencies.evidence.caseFile(id: context.parameters.get("id") ?? "", tenant: tenant)
        return try JSONResponse.make(CaseResource(
            problem: ProblemResource(file.report), delivery: try await resource(file.delivery, detailed: false),
            photo: file.photo.map(PhotoResource.init), photoURL: file.photo.map { _ in "/api/v1/deliveries/\(file.delivery.id)/photo" },
            proofs: file.proofs.map(ProofResource.init), reuse: file.reuse.map(ReuseResource.init), receipt: file.receipt))
    }

    @Sendable func resolveCase(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await caller(request).tenant
        let body = try await request.decodeJSON(as: ResolveRequest.self, context: context)
        let report = try await dependencies.evidence.resolve(caseID: context.parameters.get("id") ?? "", resolution: body.resolution, tenant: tenant)
        return try JSONResponse.make(ProblemResource(report))
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
