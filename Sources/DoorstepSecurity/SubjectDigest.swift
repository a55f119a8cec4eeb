import Crypto
import DoorstepCore
import Foundation

/// Keyed digests of emails and street addresses, for the recipient-choice table: a "no photos"
/// must survive the erasure of the recipient's data, so it is kept under a name that cannot be
/// read back or guessed without the server's key.
public struct SubjectDigest: Sendable {
    private let keyBytes: [UInt8]

    public init(key: SymmetricKey) {
        keyBytes = key.withUnsafeBytes { Array($0) }
    }

    public func digest(_ scope: ChoiceScope, _ value: String) -> String {
        let normalised = scope == .email ? value.trimmingCharacters(in: .whitespaces).lowercased() : AddressKey.normalise(value)
        return Hex.encode(HMAC<SHA256>.authenticationCode(for: Data("\(scope.rawValue)|\(normalised)".utf8), using: SymmetricKey(data: keyBytes)))
    }

    /// Both subjects of a delivery's recipient.
    public func subjects(email: String, address: String) -> [ChoiceScope: String] {
        [.email: digest(.email, email), .address: digest(.address, address)]
    }
}

extension SubjectDigest: Redacted {}
