import Crypto
import DoorstepCore
import Foundation

/// Capability links for customers: `…/d/<delivery>?e=<expiry>&s=<mac>`. The MAC covers the
/// delivery id and expiry, so a forged or edited link is refused with no database lookup, and an
/// expired one by its own timestamp.
public struct LinkSigner: Sendable {
    // SymmetricKey is not Sendable in this swift-crypto; keep the bytes and rebuild it per use.
    private let keyBytes: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    public init(key: SymmetricKey) {
        self.keyBytes = key.withUnsafeBytes { Array($0) }
    }

    public struct Signature: Sendable, Equatable {
        public var expires: Int
        public var mac: String
    }

    /// What a link lets its holder do. Part of the MAC, so a link for one purpose opens nothing else.
    public enum Purpose: String, Sendable {
        /// See the delivery and its photo, delete the photo.
        case delivery = "doorstep-link-v1"
        /// Say yes or no to photos (the opt-out link in every message).
        case preferences = "doorstep-preferences-v1"
    }

    public func sign(deliveryID: String, expires: Date, purpose: Purpose = .delivery) -> Signature {
        let expiry = Int(expires.timeIntervalSince1970)
        return Signature(expires: expiry, mac: Base64URL.encode(mac(deliveryID: deliveryID, expires: expiry, purpose: purpose)))
    }

    /// Checks a presented link. The MAC is checked first (in constant time), so a forger learns
    /// nothing, not even whether the link would have expired.
    public func verify(
        deliveryID: String, expires: String?, mac: String?, now: Date, purpose: Purpose = .delivery
    ) throws(DoorstepError) {
        guard let expires, let expiry = Int(expires), let mac, let presented = Base64URL.decode(mac),
              Identifier.isValid(deliveryID)
        else { throw .linkInvalid }
        let expected = self.mac(deliveryID: deliveryID, expires: expiry, purpose: purpose)
        // Constant-time comparison of the MACs.
        guard presented.count == expected.count, zip(presented, expected).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else {
            throw .linkInvalid
        }
        guard Double(expiry) > now.timeIntervalSince1970 else { throw .linkExpired }
    }

    private func mac(deliveryID: String, expires: Int, purpose: Purpose) -> [UInt8] {
        let message = Data("\(purpose.rawValue)|\(deliveryID)|\(expires)".utf8)
        return Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
    }
}

extension LinkSigner: Redacted {}
