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

    public func sign(deliveryID: String, expires: Date) -> Signature {
        let expiry = Int(expires.timeIntervalSince1970)
        return Signature(expires: expiry, mac: mac(deliveryID: deliveryID, expires: expiry))
    }

    /// Checks a presented link. The MAC is checked first (in constant time), so a forger learns
    /// nothing, not even whether the link would have expired.
    public func verify(deliveryID: String, expires: String?, mac: String?, now: Date) throws(DoorstepError) {
        guard let expires, let expiry = Int(expires), let mac, let presented = Base64URL.decode(mac),
              Identifier.isValid(deliveryID)
        else { throw .linkInvalid }
        let message = Data("doorstep-link-v1|\(deliveryID)|\(expiry)".utf8)
        guard HMAC<SHA256>.isValidAuthenticationCode(presented, authenticating: message, using: key) else {
            throw .linkInvalid
        }
        guard Double(expiry) > now.timeIntervalSince1970 else { throw .linkExpired }
    }

    private func mac(deliveryID: String, expires: Int) -> String {
        let message = Data("doorstep-link-v1|\(deliveryID)|\(expires)".utf8)
        return Base64URL.encode(HMAC<SHA256>.authenticationCode(for: message, using: key))
    }
}
