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
        checked.displayName = try displayName.flatMap(Self.blankIsNone).map(Self.checkedName)
        checked.accentColor = try accentColor.flatMap(Self.blankIsNone).map(Self.checkedColor)
        checked.supportEmail = try supportEmail.flatMap(Self.blankIsNone).map(Self.checkedEmail)
        checked.supportURL = try supportURL.flatMap(Self.blankIsNone).map(Self.checkedURL)
        return checked
    }

    /// Whether there is anything to say about how to reach the tenant.
    public var hasSupportContact: Bool { supportEmail != nil || supportURL != nil }

    private static func blankIsNone(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// A name customers read as the sender's: NFC, one line, at least one letter or digit, and no
    /// format or default-ignorable characters (U+3164, a "letter" that shows as nothing) but the
    /// joiners some scripts need (U+200C, U+200D). A right-to-left override (U+202E) would turn
    /// "… via Doorstep" around in an email's From; an invisible mark alone would make a sender
    /// with no name at all. No `@ < >` either: "Acme <ceo@bank.example>" in a From reads as an
    /// address; and no line or paragraph separators, private-use or unassigned code points.
    static func checkedName(_ text: String) throws(DoorstepError) -> String {
        let name = text.precomposedStringWithCanonicalMapping
        let joiners: Set<Unicode.Scalar> = ["\u{200C}", "\u{200D}"]
        let refused: Set<Unicode.GeneralCategory> = [.format, .lineSeparator, .paragraphSeparator, .privateUse, .unassigned, .surrogate]
        let letters: Set<Unicode.GeneralCategory> = [
            .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber, .letterNumber, .otherNumber,
        ]
        guard name.unicodeScalars.count <= displayNameLimit, !Validate.hasControlCharacters(name),
              !name.unicodeScalars.contains(where: {
                  (refused.contains($0.properties.generalCategory) || $0.properties.isDefaultIgnorableCodePoint || "@<>".unicodeScalars.contains($0))
                      && !joiners.contains($0)
              }),
              name.unicodeScalars.contains(where: { letters.contains($0.properties.generalCategory) && !$0.properties.isDefaultIgnorableCodePoint })
        else {
            throw .invalidInput(
                field: "display_name",
                reason: "must be 1 to \(displayNameLimit) characters on one line, with a letter or a digit, no invisible formatting and no @ < >")
        }
        return name
    }

    /// Plain ASCII `local@domain.tld`, lower-cased: it goes into a mailto: link and an email body,
    /// where quotes and percent signs have no business.
    static func checkedEmail(_ text: String) throws(DoorstepError) -> String {
        let email = text.lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        let local = Set("abcdefghijklmnopqrstuvwxyz0123456789._+-")
        let domain = Set("abcdefghijklmnopqrstuvwxyz0123456789.-")
        guard email.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[0].allSatisfy(local.contains),
              parts[1].allSatisfy(domain.contains), parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !parts[1].contains("..")
        else { throw .invalidInput(field: "support_email", reason: "must be an email address such as help@shop.example") }
        return email
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

    /// The address as parsed (`absoluteString`, with what a URL may not hold percent-encoded), not
    /// as typed: it goes into an href.
    static func checkedURL(_ text: String) throws(DoorstepError) -> String {
        let refused = DoorstepError.invalidInput(field: "support_url", reason: "must be an http or https address of at most \(urlLimit) characters")
        guard text.utf8.count <= urlLimit, !text.contains(where: \.isWhitespace), !Validate.hasControlCharacters(text),
              let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty, url.user == nil, url.password == nil
        else { throw refused }
        let address = url.absoluteString
        guard address.utf8.count <= urlLimit, address.unicodeScalars.allSatisfy({ $0.isASCII && !"\"<>\\` ".unicodeScalars.contains($0) }) else {
            throw refused
        }
        return address
    }
}
