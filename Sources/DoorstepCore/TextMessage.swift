/// A text message's body, and what it costs to send: GSM-7 when every character is in the GSM
/// 03.38 alphabet (160 characters a segment, 153 when concatenated; the extension characters
/// count twice), else UCS-2 (70, or 67 when concatenated). Operators bill per segment and
/// phones reassemble at most a few, so a message states its count and is refused past a limit.
public struct TextMessage: Sendable, Equatable {
    public enum Encoding: String, Sendable { case gsm7, ucs2 }

    public let body: String
    public let encoding: Encoding
    /// Units in the encoding: septets for GSM-7 (two for an extension character), UTF-16 code
    /// units for UCS-2.
    public let units: Int

    public init(_ body: String) {
        self.body = body
        if let septets = Self.gsm7Septets(body) {
            (encoding, units) = (.gsm7, septets)
        } else {
            (encoding, units) = (.ucs2, body.utf16.count)
        }
    }

    public var segments: Int {
        let (single, part) = encoding == .gsm7 ? (160, 153) : (70, 67)
        return units <= single ? 1 : (units + part - 1) / part
    }

    static let basic = Set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
    static let extended = Set("^{}\\[~]|€\u{0C}")

    static func gsm7Septets(_ text: String) -> Int? {
        var count = 0
        for character in text {
            if basic.contains(character) { count += 1 } else if extended.contains(character) { count += 2 } else { return nil }
        }
        return count
    }
}
