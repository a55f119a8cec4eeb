import Crypto
import DoorstepCore
import DoorstepImaging
import DoorstepStorage
import Foundation

/// A tenant's branding: what its customers see on their pages and in their emails. A logo is
/// untrusted bytes like any photo: decoded in the image workers (the same sandbox, pixel limit and
/// CPU budget), stripped of its metadata, scaled into `logoOutput` and re-encoded as JPEG. What
/// was uploaded is never kept, so a file crafted for some browser's decoder never reaches one.
public struct BrandingService: Sendable {
    let store: any AccountStore
    let images: ImageWorkerPool

    public init(store: any AccountStore, images: ImageWorkerPool) {
        self.store = store
        self.images = images
    }

    /// A logo file as uploaded: a generous bound for a mark that is shown at most 480 px wide.
    public static let maxLogoBytes = 1024 * 1024
    static let logoLimits = ImageLimits(maxBytes: maxLogoBytes, maxPixels: 16_000_000, decodeBudget: .seconds(5))
    /// At most 480 px on its longest side (twice the largest size the pages show it at, for sharp
    /// screens); transparency is flattened onto white by the decoder. No search for faces: a logo
    /// is the tenant's own artwork, not a photo of anyone.
    static let logoOutput = ImageOutputSpec(displayMaxSide: 480, thumbnailMaxSide: 64, quality: 90, redactionSearchSide: nil)

    /// The text and colour, checked; the logo stays as it is.
    public func update(_ branding: TenantBranding, of tenant: Tenant) async throws -> TenantBranding {
        var checked = try branding.validated()
        checked.logo = tenant.branding.logo
        try await store.updateBranding(checked, tenantID: tenant.id)
        return checked
    }

    public func setLogo(_ bytes: [UInt8], of tenant: Tenant) async throws -> TenantBranding {
        guard bytes.count <= Self.maxLogoBytes else { throw DoorstepError.payloadTooLarge(limit: Self.maxLogoBytes) }
        let image = try await images.process(bytes, limits: Self.logoLimits, output: Self.logoOutput).display
        let logo = TenantBranding.Logo(digest: Hex.encode(SHA256.hash(data: image.jpeg)), width: image.width, height: image.height)
        try await store.setBrandLogo(logo, jpeg: image.jpeg, tenantID: tenant.id)
        var branding = tenant.branding
        branding.logo = logo
        return branding
    }

    public func removeLogo(of tenant: Tenant) async throws -> TenantBranding {
        try await store.setBrandLogo(nil, jpeg: nil, tenantID: tenant.id)
        var branding = tenant.branding
        branding.logo = nil
        return branding
    }

    /// A logo by its digest; nil for anything that is not one (checked before any lookup).
    public func logo(digest: String) async throws -> [UInt8]? {
        guard digest.utf8.count == 64, digest.utf8.allSatisfy({ Hex.isLowercaseDigit($0) }) else { return nil }
        return try await store.brandLogo(digest: digest)
    }
}
