import DoorstepCore
import DoorstepServices
import DoorstepStorage
import Foundation
import Hummingbird

/// The tenant (carrier or shop) API: API key as Bearer token, every read scoped to the tenant.
struct TenantAPIController {
    let accounts: AccountService
    let authenticator: TenantAuthenticator
    let deliveries: DeliveryService
    let privacy: PrivacyService
    let evidence: EvidenceService
    let links: CustomerLinks

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.add(middleware: authenticator)
        group.post("deliveries", use: create)
        group.post("deliveries/batch", use: createBatch)
        group.get("deliveries", use: list)
        group.get("deliveries/:id", use: show)
        group.get("deliveries/:id/notifications", use: notifications)
        group.post("deliveries/:id/out-for-delivery", use: outForDelivery)
        group.get("deliveries/:id/photo", use: downloadPhoto)
        group.delete("deliveries/:id/photo", use: deletePhoto)
        group.get("settings", use: settings)
        group.put("settings", use: updateSettings)
        group.patch("settings", use: patchSettings)
        group.get("recipients/export", use: exportRecipient)
        group.post("recipients/erase", use: eraseRecipient)
        group.get("deliveries/:id/receipt", use: receipt)
    }

    /// The signed receipt of a delivered parcel (verifiable offline with `doorstep receipt verify`,
    /// or, asked for as `application/jose`, the compact JWS any JOSE library verifies with the JWKS).
    @Sendable func receipt(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant(.read).tenant
        let delivery = try await deliveries.get(context.parameters.get("id") ?? "", for: tenant)
        guard let receipt = try await evidence.receipt(for: delivery) else { throw DoorstepError.notFound }
        if let jws = receipt.jws, request.headers[.accept]?.contains("application/jose") == true {
            let body = Array(jws.utf8)
            let response = Response(
                status: .ok, headers: [.contentType: "application/jose", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: body)))
            return EntityTag.apply(to: response, body: body, request: request)
        }
        return try JSONResponse.make(receipt, validating: request)
    }

    /// With an Idempotency-Key, a retry of the same body answers the delivery it made (201,
    /// `Idempotent-Replayed: true`), as it is now.
    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant(.deliveries).tenant
        let (input, idempotency) = try await idempotentBody(CreateDeliveryRequest.self, operation: "delivery", limit: 1 << 20, request, context)
        let made = try await deliveries.create([input.newDelivery], for: tenant, idempotency: idempotency, asBatch: false)
        let delivery = made.deliveries[0]
        context.activity.target = delivery.id
        context.activity.isReplay = made.replayed
        var headers = Self.replayHeaders(made.replayed)
        headers[.location] = "/api/v1/deliveries/\(delivery.id)"
        return try JSONResponse.make(try await resource(delivery, detailed: true, for: context), status: .created, headers: headers)
    }

    /// A day's manifest in one request: every delivery or none, and when none, every failing item
    /// named (`batch-invalid`). The answer lists them as the list does (no photo or proofs yet).
    @Sendable func createBatch(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant(.deliveries).tenant
        // 500 deliveries of up to ~8 KB each fit; more is refused before it is parsed.
        let (batch, idempotency) = try await idempotentBody(CreateDeliveryBatchRequest.self, operation: "batch", limit: 4 << 20, request, context)
        let made = try await deliveries.create(batch.deliveries.map(\.newDelivery), for: tenant, idempotency: idempotency, asBatch: true)
        context.activity.detail = String(made.deliveries.count)
        context.activity.isReplay = made.replayed
        var items: [DeliveryResource] = []
        for delivery in made.deliveries { items.append(try await resource(delivery, detailed: false, for: context)) }
        return try JSONResponse.make(["items": items], status: .created, headers: Self.replayHeaders(made.replayed))
    }

    /// The body as `T`, and the Idempotency-Key sent with it bound to this operation and these
    /// exact bytes (`RequestFingerprint`).
    private func idempotentBody<T: Decodable>(
        _ type: T.Type, operation: String, limit: Int, _ request: Request, _ context: AppRequestContext
    ) async throws -> (T, DeliveryService.Idempotency?) {
        let key = try IdempotencyKey.validate(request.headers[.idempotencyKey])
        let body = try await request.body.collect(upTo: limit)
        let value = try context.requestDecoder.decode(T.self, from: Data(buffer: body))
        return (value, key.map { .init(key: $0, fingerprint: RequestFingerprint.of(operation, body)) })
    }

    /// A replay answers as the original did, marked so the client can tell.
    private static func replayHeaders(_ replayed: Bool) -> HTTPFields {
        replayed ? [.idempotentReplayed: "true"] : [:]
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant(.read).tenant
        let delivery = try await deliveries.get(context.parameters.get("id") ?? "", for: tenant)
        let resource = try await resource(delivery, detailed: true, for: context)
        // A weak tag: it covers the delivery, not its signed links, which are signed afresh on
        // every read (a new expiry), so two answers with one tag may differ in those bytes. A 304
        // says the delivery is unchanged; links a client kept still expire when they said.
        var unsigned = resource
        (unsigned.customerURL, unsigned.preferencesURL) = (nil, nil)
        return EntityTag.apply(
            to: try JSONResponse.make(resource), body: Array(try JSONResponse.encoder.encode(unsigned)), request: request, weak: true)
    }

    /// What the delivery's events sent (emails and text messages to the customer, webhooks to the
    /// tenant) and how each went: support answers "did the customer get the email?" from here.
    @Sendable func notifications(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant(.read).tenant
        let delivery = try await deliveries.get(context.parameters.get("id") ?? "", for: tenant)
        // Webhooks' endpoints and errors are for keys and admins, as the webhook log is; an email's
        // or a text message's error describes the server's own mail and SMS set-up, not the tenant's.
        let readsWebhooks = (try? context.requireTenant(.read, adminOnlyForOperators: true)) != nil
        let items = try await deliveries.notifications(of: delivery).map { message in
            var entry = NotificationEntry(message)
            if message.channel != .webhook || !readsWebhooks { entry.message.lastError = nil }
            if !readsWebhooks { entry.endpointID = nil }
            return entry
        }
        return try JSONResponse.make(["items": items])
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant(.read).tenant
        let limitText = request.uri.queryParameters["limit"].map(String.init)
        let limit = try limitText.map { text throws(DoorstepError) in
            guard let value = Int(text) else { throw .invalidInput(field: "limit", reason: "must be a number") }
            return value
        }
        let page = try await deliveries.list(
            for: tenant, filter: try DeliveryFilter(query: request.uri.queryParameters), limit: limit,
            cursor: request.uri.queryParameters["cursor"].map(String.init))
        var items: [DeliveryResource] = []
        for delivery in page.deliveries { items.append(try await resource(delivery, detailed: false, for: context)) }
        return try JSONResponse.make(DeliveryPage(items: items, nextCursor: page.nextCursor))
    }

    @Sendable func outForDelivery(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant(.deliveries).tenant
        let delivery = try await deliveries.get(context.parameters.get("id") ?? "", for: tenant)
        return try JSONResponse.make(try await resource(try await deliveries.markOutForDelivery(delivery), detailed: true, for: context))
    }

    /// The tenant's copy of the photo (e.g. for a dispute). Recorded in the access audit, which
    /// the customer sees.
    @Sendable func downloadPhoto(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.requireTenant(.read)
        let delivery = try await deliveries.get(context.parameters.get("id") ?? "", for: caller.tenant)
        let slot = try PhotoSlot.parse(request.uri.queryParameters["slot"].map(String.init))
        let bytes = try await privacy.downloadPhoto(of: delivery, slot: slot, by: caller.actor, actorID: caller.actorID)
        var headers: HTTPFields = [:]
        headers[.contentType] = "image/jpeg"
        headers[.cacheControl] = "private, no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// Deletes the delivery's photos now, e.g. on the customer's request by phone.
    @Sendable func deletePhoto(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.requireTenant(.deliveries)
        let delivery = try await deliveries.get(context.parameters.get("id") ?? "", for: caller.tenant)
        guard try await privacy.deleteCurrentPhoto(of: delivery, by: caller.actor, actorID: caller.actorID) else {
            throw DoorstepError.notFound
        }
        return Response(status: .noContent)
    }

    @Sendable func settings(_ request: Request, context: AppRequestContext) async throws -> Response {
        try JSONResponse.make(SettingsResource(try context.requireTenant(.read, adminOnlyForOperators: true).tenant.settings), validating: request)
    }

    /// Changes apply to photos uploaded from now on; existing photos keep the expiry they got.
    @Sendable func updateSettings(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant(.admin).tenant
        let settings = try await accounts.updateSettings(
            try await request.decodeJSON(as: SettingsResource.self, context: context).settings, of: tenant)
        context.activity.detail = try JSONValue.changedMembers(SettingsResource(tenant.settings), SettingsResource(settings), context: context)
        return try JSONResponse.make(SettingsResource(settings))
    }

    /// A JSON merge patch (RFC 7396) of the settings as GET shows them: only the members sent
    /// change, `null` puts one back to its default (or, inside `consent_modes`, removes a region).
    @Sendable func patchSettings(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant(.admin).tenant
        let patched = try await request.mergePatch(SettingsResource(tenant.settings), context: context) {
            SettingsResource.CodingKeys(stringValue: $0) != nil
        }
        let settings = try await accounts.updateSettings(patched.settings, of: tenant)
        context.activity.detail = try JSONValue.changedMembers(SettingsResource(tenant.settings), SettingsResource(settings), context: context)
        return try JSONResponse.make(SettingsResource(settings))
    }

    /// Export and erasure act on a person's data across deliveries: admins only, in the console.
    @Sendable func exportRecipient(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.requireTenant(.deliveries, adminOnlyForOperators: true)
        let query = request.uri.queryParameters
        let contact = try RecipientContact(email: query["email"].map(String.init), phone: query["phone"].map(String.init))
        return try JSONResponse.make(try await privacy.export(tenantID: caller.tenant.id, contact: contact, by: caller.actor, actorID: caller.actorID))
    }

    @Sendable func eraseRecipient(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.requireTenant(.deliveries, adminOnlyForOperators: true)
        let body = try await request.decodeJSON(as: EraseRequest.self, context: context)
        let contact = try RecipientContact(email: body.email, phone: body.phone)
        let count = try await privacy.erase(tenantID: caller.tenant.id, contact: contact, by: caller.actor, actorID: caller.actorID)
        return try JSONResponse.make(["erased_deliveries": count])
    }

    /// The recipient's signed links go to API keys (the tenant's systems send them), never to the
    /// console: a link would let staff see the photo as "the recipient", outside their own audit.
    private func resource(_ delivery: Delivery, detailed: Bool, for context: AppRequestContext) async throws -> DeliveryResource {
        let details = detailed ? try await deliveries.details(of: delivery) : nil
        var resource = DeliveryResource(delivery, photo: details?.photo, links: links, for: context)
        if let details {
            resource.photoPolicy = details.policy.code
            resource.photos = details.photos.map(PhotoResource.init)
            resource.proofs = details.proofs.map(ProofResource.init)
            resource.problems = details.problems.map(ProblemResource.init)
            resource.attempts = details.attempts.map(AttemptResource.init)
        }
        return resource
    }
}

extension DeliveryFilter {
    /// `state`, `created_after`, `created_before` (ISO 8601), `order_reference`, `courier_id`, `recipient_email`.
    init(query: Parameters) throws {
        func date(_ name: String) throws -> Date? {
            try query[Substring(name)].map { text throws(DoorstepError) in
                let text = String(text)
                guard let date = (try? Date(text, strategy: .iso8601))
                    ?? (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))) else {
                    throw .invalidInput(field: name, reason: "must be an ISO 8601 time such as 2026-12-03T08:00:00Z")
                }
                return date
            }
        }
        let state = try query["state"].map { text throws(DoorstepError) in
            guard let state = DeliveryState(rawValue: String(text)) else {
                throw .invalidInput(field: "state", reason: "must be one of \(DeliveryState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return state
        }
        self.init(
            state: state, createdAfter: try date("created_after"), createdBefore: try date("created_before"),
            orderReference: query["order_reference"].map(String.init), courierID: query["courier_id"].map(String.init),
            recipientEmail: try query["recipient_email"].map { text throws(DoorstepError) in
                do { return try Validate.email(String(text)) } catch { throw .invalidInput(field: "recipient_email", reason: "must be an email address") }
            })
    }
}

extension DeliveryResource {
    /// A delivery as its tenant reads it. The customer's links go to an API key only (the
    /// tenant's systems send them on): an operator is never handed a link that acts as the customer.
    init(_ delivery: Delivery, photo: Photo?, links: CustomerLinks, for context: AppRequestContext) {
        self.init(delivery, photo: photo, customerURL: nil, uploadURL: links.uploadURL(for: delivery))
        if case .tenant = context.identity {
            customerURL = links.customerURL(for: delivery)
            preferencesURL = links.preferencesURL(for: delivery)
        }
    }
}
