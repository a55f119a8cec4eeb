import Crypto
import DoorstepCore
import Foundation

/// Bearer secrets (API keys, courier session tokens): 256 random bits, shown once, stored only
/// as a SHA-256 digest. A fast hash is right here: unlike passwords, these cannot be guessed, so
/// bcrypt's slowness would only tax every request.
public enum SecretToken {
    public enum Kind: String, Sendable {
        case apiKey = "dsk"
        case courierSession = "dsc"
        /// An operator's console session: it lives in an HttpOnly cookie, never in a script.
        case operatorSession = "dso"
    }

    public static func generate(_ kind: Kind) -> String {
        "\(kind.rawValue)_" + Base64URL.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }

    /// The digest stored and looked up. Tokens of the wrong kind hash fine but never match.
    public static func digest(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).hexString
    }

    /// A second secret that only a holder of `token` can know (HMAC-SHA256 keyed by it): the
    /// console's anti-forgery token, given to its script while the session itself stays in an
    /// HttpOnly cookie. A forged cross-site request carries the cookie but cannot know this.
    public static func companion(of token: String, purpose: String) -> String {
        Base64URL.encode(Array(HMAC<SHA256>.authenticationCode(for: Data(purpose.utf8), using: SymmetricKey(data: Data(token.utf8)))))
    }

    /// Whether `presented` is `companion(of: token, purpose:)`, in time independent of where they differ.
    public static func matchesCompanion(_ presented: String, of token: String, purpose: String) -> Bool {
        let expected = Array(companion(of: token, purpose: purpose).utf8)
        let given = Array(presented.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The first characters, kept in clear so an operator can tell keys apart in a list.
    public static func displayPrefix(_ token: String) -> String {
        String(token.prefix(10))
    }
}

extension Digest {
    public var hexString: String {
        Hex.encode(self)
    }
}
