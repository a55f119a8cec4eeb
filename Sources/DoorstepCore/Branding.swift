import Foundation

/// How a tenant shows itself to its customers: the name they know, its logo and colour, and whom
/// to ask. A delivery page or an email that names only "Doorstep" looks like phishing; one that
/// names the shop the customer ordered from does not. Every member is optional: without one the
/// pages say "Doorstep" as before.
public struct TenantBranding: Codable, Sendable, Equatable {
    /// The shop's or carrier's name as customers know it ("Acme Parcels").
    public var displayName: String?
    /// `#rrggbb`, dark enough for white text on it (`minimumContrast`): the pages' buttons and links.
    public var accentColor: String?
    /// Where customers write with questions about their parcel.
    public var supportEmail: String?
    /// Or the shop's help page (http or https).
    public var supportURL: String?
    /// The uploaded logo, re-encoded (`BrandLogo`); set and removed on its own, never by a patch.
    public var logo: Logo?

    public struct Logo: Codable, Sendable, Equatable {
        /// Hex SHA-256 of the stored JPEG: the logo's address, so browsers may cache it for good
        /// and a new logo is a new address.
        public var digest: String
        public var width: Int
        public var height: Int

        public init(digest: String, width: Int, height: Int) {
            (self.digest, self.width, self.height) = (digest, width, height)
        }

        /// Where the customer's pages load it from (served without any credential: a logo is public).
        public var path: String { "/brand/logo/\(digest).jpg" }
    }

    public static let displayNameLimit = 80
    public static let urlLimit = 2048
    /// WCAG 2.2 AA for text: white on the accent, and the accent as link text on white.
    public static let minimumContrast = 4.5

    public init(displayName: String? = nil, accentColor: String? = nil, supportEmail: String? = nil, supportURL: String? = nil,
                logo: Logo? = nil) {
        (self.displayName, self.accentColor, self.supportEmail, self.supportURL, self.logo) =
            (displayName, accentColor, supportEmail, supportURL, logo)
    }

    /// The branding as stored: text trimmed (blank is none), the colour lower-cased and readable,
    /// the email lower-cased, the URL absolute.
    public func validated() throws(DoorstepError) -> TenantBranding {
        var checked = self
        checked.displayName = try displayName.flatMap(Self.blankIsNone).map { name throws(DoorstepError) in
            guard name.unicodeScalars.count <= Self.displayNameLimit, !Validate.hasControlCharacters(name) else {
                throw .invalidInput(field: "display_name", reason: "must be 1 to \(Self.displayNameLimit) characters on one line")
            }
            return name
        }
        checked.accentColor = try accentColor.flatMap(Self.blankIsNone).map(Self.checkedColor)
        checked.supportEmail = try supportEmail.flatMap(Self.blankIsNone).map { email throws(DoorstepError) in
            do { return try Validate.email(email) } catch { throw .invalidInput(field: "support_email", reason: "must be an email address") }
        }
        checked.supportURL = try supportURL.flatMap(Self.blankIsNone).map(Self.checkedURL)
        return checked
    }

    /// Whether there is anything to say about how to reach the tenant.
    public var hasSupportContact: Bool { supportEmail != nil || supportURL != nil }

    private static func blankIsNone(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    static func checkedColor(_ text: String) throws(DoorstepError) -> String {
        let color = text.lowercased()
        guard let rgb = Self.rgb(color) else {
            throw .invalidInput(field: "accent_color", reason: "must be a colour as #rrggbb, e.g. #0b6e4f")
        }
        let contrast = Self.contrastWithWhite(rgb)
        guard contrast >= minimumContrast else {
            throw .invalidInput(
                field: "accent_color",
                reason: "must be dark enough to read white text on it: \(color) has a contrast of \(String(format: "%.1f", contrast)):1 with white, at least 4.5:1 is needed")
        }
        return color
    }

    /// The three channels of `#rrggbb`, 0…255.
    static func rgb(_ color: String) -> (Int, Int, Int)? {
        let hex = color.utf8.dropFirst()
        guard color.utf8.first == UInt8(ascii: "#"), hex.count == 6, hex.allSatisfy(Hex.isLowercaseDigit),
              let value = Int(String(decoding: hex, as: UTF8.self), radix: 16)
        else { return nil }
        return (value >> 16, (value >> 8) & 0xff, value & 0xff)
    }

    /// WCAG 2.2's contrast ratio between white and a colour (1…21).
    static func contrastWithWhite(_ rgb: (Int, Int, Int)) -> Double {
        func linear(_ channel: Int) -> Double {
            let c = Double(channel) / 255
            return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        let luminance = 0.2126 * linear(rgb.0) + 0.7152 * linear(rgb.1) + 0.0722 * linear(rgb.2)
        return 1.05 / (luminance + 0.05)
    }

    static func checkedURL(_ text: String) throws(DoorstepError) -> String {
        guard text.utf8.count <= urlLimit, !text.contains(where: \.isWhitespace), !Validate.hasControlCharacters(text),
              let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty, url.user == nil, url.password == nil
        else {
            throw .invalidInput(field: "support_url", reason: "must be an http or https address of at most \(urlLimit) characters")
        }
        return text
    }
}
