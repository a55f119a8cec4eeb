import DoorstepCore
import DoorstepServices
import Foundation
import Hummingbird

/// The tenant (carrier or shop) API: API key as Bearer token, every read scoped to the tenant.
struct TenantAPIController {
    let accounts: AccountService
    let deliveries: DeliveryService
    let privacy: PrivacyService
    let evidence: EvidenceService
    let links: CustomerLinks

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.add(middleware: BearerAuthenticator.tenants(accounts))
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
        let tenant = try context.requireTenant().tenant
        let delivery = try await deliveries.get(context.parameters.get("id") ?? "", for: tenant)
        guard let receipt = try await evidence.receipt(for: delivery) else { throw DoorstepError.notFound }
        return try JSONResponse.make(receipt)
    }

    /// The tenant's cases (customers' problem reports), newest first; `?status=all` for closed ones too.
    @Sendable func cases(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant().tenant
        let openOnly = request.uri.queryParameters["status"] != "all"
        let reports = try await evidence.cases(of: tenant, openOnly: openOnly)
        return try JSONResponse.make(["items": reports.map(ProblemResource.init)])
    }

    @Sendable func caseFile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant().tenant
        let file = try await evidence.caseFile(id: context.parameters.get("id") ?? "", tenant: tenant)
        return try JSONResponse.make(CaseResource(
            problem: ProblemResource(file.report), delivery: try await resource(file.delivery, detailed: false),
            photo: file.photo.map(PhotoResource.init), photoURL: file.photo.map { _ in "/api/v1/deliveries/\(file.delivery.id)/photo" },
            proofs: file.proofs.map(ProofResource.init), reuse: file.reuse.map(ReuseResource.init), receipt: file.receipt))
    }

    @Sendable func resolveCase(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant().tenant
        let body = try await request.decodeJSON(as: ResolveRequest.self, context: context)
        let report = try await evidence.resolve(caseID: context.parameters.get("id") ?? "", resolution: body.resolution, tenant: tenant)
        return try JSONResponse.make(ProblemResource(report))
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant().tenant
        let body = try await request.decodeJSON(as: CreateDeliveryRequest.self, context: context)
        let delivery = try await deliveries.create(body.newDelivery, for: tenant)
        var headers: HTTPFields = [:]
        headers[.location] = "/api/v1/deliveries/\(delivery.id)"
        return try JSONResponse.make(try await resource(delivery, detailed: true), status: .created, headers: headers)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant().tenant
        let delivery = try await deliveries.get(context.parameters.get("id") ?? "", for: tenant)
        return try JSONResponse.make(try await resource(delivery, detailed: true))
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant().tenant
        let limitText = request.uri.queryParameters["limit"].map(String.init)
        let limit = try limitText.map { text throws(DoorstepError) in
            guard let value = Int(text) else { throw .invalidInput(field: "limit", reason: "must be a number") }
            return value
        }
        let page = try await deliveries.list(
            for: tenant, limit: limit, cursor: request.uri.queryParameters["cursor"].map(String.init))
        var items: [DeliveryResource] = []
        for delivery in page.deliveries { items.append(try await resource(delivery, detailed: false)) }
        return try JSONResponse.make(DeliveryPage(items: items, nextCursor: page.nextCursor))
    }

    @Sendable func outForDelivery(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant().tenant
        let delivery = try await deliveries.get(context.parameters.get("id") ?? "", for: tenant)
        return try JSONResponse.make(try await resource(try await deliveries.markOutForDelivery(delivery), detailed: true))
    }

    /// The tenant's copy of the photo (e.g. for a dispute). Recorded in the access audit, which
    /// the customer sees.
    @Sendable func downloadPhoto(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.requireTenant()
        let delivery = try await deliveries.get(context.parameters.get("id") ?? "", for: caller.tenant)
        let bytes = try await privacy.downloadPhoto(of: delivery, by: .apiKey, actorID: caller.keyPrefix)
        var headers: HTTPFields = [:]
        headers[.contentType] = "image/jpeg"
        headers[.cacheControl] = "private, no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// Deletes the delivery's photo now, e.g. on the customer's request by phone.
    @Sendable func deletePhoto(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.requireTenant()
        let delivery = try await deliveries.get(context.parameters.get("id") ?? "", for: caller.tenant)
        guard try await privacy.deleteCurrentPhoto(of: delivery, by: .apiKey, actorID: caller.keyPrefix) else {
            throw DoorstepError.notFound
        }
        return Response(status: .noContent)
    }

    @Sendable func settings(_ request: Request, context: AppRequestContext) async throws -> Response {
        try JSONResponse.make(SettingsResource(try context.requireTenant().tenant.settings))
    }

    /// Changes apply to photos uploaded from now on; existing photos keep the expiry they got.
    @Sendable func updateSettings(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant().tenant
        let settings = try await accounts.updateSettings(
            try await request.decodeJSON(as: SettingsResource.self, context: context).settings, of: tenant)
        return try JSONResponse.make(SettingsResource(settings))
    }

    @Sendable func exportRecipient(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.requireTenant()
        let query = request.uri.queryParameters
        let contact = try RecipientContact(email: query["email"].map(String.init), phone: query["phone"].map(String.init))
        return try JSONResponse.make(try await privacy.export(tenantID: caller.tenant.id, contact: contact, by: .apiKey, actorID: caller.keyPrefix))
    }

    @Sendable func eraseRecipient(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.requireTenant()
        let body = try await request.decodeJSON(as: EraseRequest.self, context: context)
        let contact = try RecipientContact(email: body.email, phone: body.phone)
        let count = try await privacy.erase(tenantID: caller.tenant.id, contact: contact, by: .apiKey, actorID: caller.keyPrefix)
        return try JSONResponse.make(["erased_deliveries": count])
    }

    private func resource(_ delivery: Delivery, detailed: Bool) async throws -> DeliveryResource {
        let details = detailed ? try await deliveries.details(of: delivery) : nil
        var resource = DeliveryResource(
            delivery, photo: details?.photo, customerURL: links.customerURL(for: delivery), uploadURL: links.uploadURL(for: delivery))
        resource.preferencesURL = links.preferencesURL(for: delivery)
        if let details {
            resource.photoPolicy = details.policy.code
            resource.proofs = details.proofs.map(ProofResource.init)
            resource.problems = details.problems.map(ProblemResource.init)
        }
        return resource
    }
}
