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
    }

    public static func generate(_ kind: Kind) -> String {
        "\(kind.rawValue)_" + Base64URL.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }

    /// The digest stored and looked up. Tokens of the wrong kind hash fine but never match.
    public static func digest(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).hexString
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
