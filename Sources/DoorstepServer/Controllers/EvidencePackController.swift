import DoorstepCore
import DoorstepServices
import Foundation
import Hummingbird

/// A delivery's evidence pack for a payment dispute: the PDF, and the same facts mapped to
/// Stripe's, PayPal's and Braintree's evidence fields. Tenant API key with the `read` scope.
struct EvidencePackController {
    let authenticator: TenantAuthenticator
    let deliveries: DeliveryService
    let packs: EvidencePackService
    let rateLimits: RateLimits

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.add(middleware: authenticator)
        group.get("deliveries/:id/evidence", use: mapping)
        group.get("deliveries/:id/evidence.pdf", use: pdf)
    }

    @Sendable func mapping(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant(.read).tenant
        let delivery = try await deliveries.get(context.parameters.get("id") ?? "", for: tenant)
        let language = try Self.language(request)
        let path = "/api/v1/deliveries/\(delivery.id)/evidence.pdf" + (language.map { "?language=\($0.rawValue)" } ?? "")
        return try JSONResponse.make(try await packs.mapping(for: delivery, tenant: tenant, language: language, pdfPath: path), validating: request)
    }

    /// Rendering reads the photo: audited as a download by the calling key. Each render costs
    /// about a core for a fraction of a second (BENCHMARKS.md), so a tenant's renders are rate limited.
    @Sendable func pdf(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.requireTenant(.read)
        try rateLimits.check(.evidencePack, caller.tenant.id)
        let delivery = try await deliveries.get(context.parameters.get("id") ?? "", for: caller.tenant)
        let pack = try await packs.pdf(
            for: delivery, tenant: caller.tenant, language: try Self.language(request), by: caller.actor, actorID: caller.actorID)
        var headers: HTTPFields = [:]
        headers[.contentType] = "application/pdf"
        headers[.cacheControl] = "private, no-store"
        headers[.contentDisposition] = "attachment; filename=\"\(pack.fileName)\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: pack.pdf)))
    }

    /// `?language=fr`: one of the catalogue's languages; absent, the recipient's.
    static func language(_ request: Request) throws -> Language? {
        guard let code = request.uri.queryParameters["language"].map(String.init) else { return nil }
        guard let language = Language(rawValue: code) else {
            throw DoorstepError.invalidInput(
                field: "language", reason: "must be one of " + Language.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return language
    }
}
