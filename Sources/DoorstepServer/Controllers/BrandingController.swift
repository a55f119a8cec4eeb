import DoorstepCore
import DoorstepImaging
import DoorstepServices
import Foundation
import Hummingbird

/// How a tenant shows itself to its customers (`TenantBranding`): read and patched like the
/// settings, by admins only; the logo uploaded on its own, as image bytes. And the two public
/// addresses the customer's pages load it from, which need no credential and reveal no tenant:
/// the logo by its digest and the colour by its value.
struct BrandingController {
    let authenticator: TenantAuthenticator
    let branding: BrandingService
    let rateLimits: RateLimits

    func addRoutes(api: RouterGroup<AppRequestContext>, public router: Router<AppRequestContext>) {
        api.add(middleware: authenticator)
        api.get("", use: show)
        api.patch("", use: patch)
        api.put("logo", use: uploadLogo)
        api.delete("logo", use: removeLogo)
        router.get("brand/logo/:file", use: logo)
        router.get("brand/accent/:file", use: accent)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        try JSONResponse.make(BrandingResource(try context.requireTenant(.read, adminOnlyForOperators: true).tenant.branding), validating: request)
    }

    /// A JSON merge patch of the branding as GET shows it; `null` or "" removes a member.
    @Sendable func patch(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant(.admin).tenant
        let patched = try await request.mergePatch(
            BrandingResource(tenant.branding), context: context, unknown: "is not part of the branding (the logo is uploaded on its own)"
        ) {
            // The logo is read-only here: it is uploaded (PUT …/logo), never named.
            BrandingResource.CodingKeys(stringValue: $0).map { $0 != .logo } ?? false
        }
        let updated = try await branding.update(patched.branding, of: tenant)
        context.activity.detail = try JSONValue.changedMembers(BrandingResource(tenant.branding), BrandingResource(updated), context: context)
        return try JSONResponse.make(BrandingResource(updated))
    }

    /// The logo as an image (JPEG, PNG, WebP or HEIF, at most 1 MB), re-encoded before it is kept.
    /// `application/octet-stream` is taken too (a browser sends it for a file it cannot type): the
    /// decoder goes by the bytes, never by the label.
    @Sendable func uploadLogo(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant(.admin).tenant
        // Decoded on the image workers couriers' photos use: a tenant's uploads are counted.
        try rateLimits.check(.logo, tenant.id)
        let type = request.headers[.contentType]
        guard type.flatMap(ImageFormat.fromMediaType) != nil || type?.lowercased().hasPrefix("application/octet-stream") == true else {
            throw DoorstepError.unsupportedMediaType
        }
        let body = try await request.body.collect(upTo: BrandingService.maxLogoBytes)
        return try JSONResponse.make(BrandingResource(try await branding.setLogo(Array(buffer: body), of: tenant)))
    }

    @Sendable func removeLogo(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant(.admin).tenant
        return try JSONResponse.make(BrandingResource(try await branding.removeLogo(of: tenant)))
    }

    /// A logo never changes at its address (a new one has a new digest): cached for good, by anyone.
    @Sendable func logo(_ request: Request, context: AppRequestContext) async throws -> Response {
        let file = context.parameters.get("file") ?? ""
        guard file.hasSuffix(".jpg"), let jpeg = try await branding.logo(digest: String(file.dropLast(4))) else { throw DoorstepError.notFound }
        return Response(
            status: .ok, headers: [.contentType: "image/jpeg", .cacheControl: "public, max-age=31536000, immutable"],
            body: .init(byteBuffer: ByteBuffer(bytes: jpeg)))
    }

    /// The tenant's colour as a stylesheet (the pages' CSP allows no inline style): any #rrggbb,
    /// since only a checked colour is ever linked to; derived from the address alone.
    @Sendable func accent(_ request: Request, context: AppRequestContext) async throws -> Response {
        let file = context.parameters.get("file") ?? ""
        let hex = file.utf8.dropLast(4)
        guard file.hasSuffix(".css"), hex.count == 6, hex.allSatisfy(Hex.isLowercaseDigit) else { throw DoorstepError.notFound }
        return Response(
            status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=31536000, immutable"],
            body: .init(byteBuffer: ByteBuffer(string: ":root { --brand: #\(String(decoding: hex, as: UTF8.self)); }\n")))
    }
}

/// A tenant's branding as the API shows and takes it; `logo` is shown, never taken.
struct BrandingResource: Codable {
    var displayName: String?
    var accentColor: String?
    var supportEmail: String?
    var supportURL: String?
    var logo: Logo?

    struct Logo: Codable {
        var url: String
        var width: Int
        var height: Int
    }

    enum CodingKeys: String, CodingKey {
        case displayName = "display_name", accentColor = "accent_color", supportEmail = "support_email", supportURL = "support_url", logo
    }

    init(_ branding: TenantBranding) {
        (displayName, accentColor, supportEmail, supportURL) = (branding.displayName, branding.accentColor, branding.supportEmail, branding.supportURL)
        logo = branding.logo.map { Logo(url: $0.path, width: $0.width, height: $0.height) }
    }

    var branding: TenantBranding {
        TenantBranding(displayName: displayName, accentColor: accentColor, supportEmail: supportEmail, supportURL: supportURL)
    }
}
