/// The handover code of an attended delivery, the less intrusive proof: the recipient's message
/// and page show it, the courier types it in at the door, and the server records "handed over
/// with the code" with no photo at all. Six digits and five tries per delivery: a guesser's
/// chance is 5 in a million, and the count is kept with the delivery, so every server shares it.
/// What a tenant takes as proof of an attended delivery: the recipient's code (default: no
/// personal data at all), or, where the tenant requires it instead, the recipient's signature
/// drawn on the courier's screen, stored sealed like a photo (`PhotoKind.signature`).
public enum HandoverProof: String, Codable, Sendable, CaseIterable {
    case code
    case signature
}

public enum HandoverCode {
    public static let digits = 6
    public static let maxFailures = 5

    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<digits).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
    }

    /// The code as typed ("123 456", "123-456") reduced to its digits; nil unless that is six digits.
    public static func normalized(_ typed: String) -> String? {
        let digits = typed.unicodeScalars.filter { !" -".unicodeScalars.contains($0) }
        guard digits.count == Self.digits, digits.allSatisfy({ ("0"..."9").contains($0) }) else { return nil }
        return String(String.UnicodeScalarView(digits))
    }

    /// "123 456", as messages and pages show it (easier to read aloud).
    public static func display(_ code: String) -> String {
        code.count == digits ? String(code.prefix(3)) + " " + String(code.suffix(3)) : code
    }
}
