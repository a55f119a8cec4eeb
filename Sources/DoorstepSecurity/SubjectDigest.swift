import Crypto
import DoorstepCore
import Foundation

/// Keyed digests of emails, mobile numbers and street addresses, for the recipient-choice table: a "no photos"
/// must survive the erasure of the recipient's data, so it is kept under a name that cannot be
/// read back or guessed without the server's key.
public struct SubjectDigest: Sendable {
    private let keyBytes: [UInt8]

    public init(key: SymmetricKey) {
        keyBytes = key.withUnsafeBytes { Array($0) }
    }

    public func digest(_ scope: ChoiceScope, _ value: String) -> String {
        let normalised = switch scope {
        case .email: value.trimmingCharacters(in: .whitespaces).lowercased()
        case .phone: value.filter { $0 == "+" || $0.isNumber }  // already E.164; digits only whatever the input
        case .address: AddressKey.normalise(value)
        }
        return Hex.encode(HMAC<SHA256>.authenticationCode(for: Data("\(scope.rawValue)|\(normalised)".utf8), using: SymmetricKey(data: keyBytes)))
    }

    /// Every subject of a delivery's recipient: the email and number they are reached by, and the address.
    public func subjects(of contact: RecipientContact, address: String) -> [ChoiceScope: String] {
        var subjects: [ChoiceScope: String] = [.address: digest(.address, address)]
        for (scope, value) in contact.scopes { subjects[scope] = digest(scope, value) }
        return subjects
    }
}

extension SubjectDigest: Redacted {}
