import Crypto
import Foundation

/// Receipts in the form every JOSE library reads: a compact JWS (RFC 7515) signed with EdDSA
/// over Ed25519 (RFC 8037), and the verifying keys as a JWK Set (RFC 7517). A `doorstep-receipt/1`
/// file carries both its own signature and this one, so a lawyer's or a processor's tooling needs
/// neither our CLI nor our format.
public enum CompactJWS {
    /// Headers in a fixed key order so the same receipt always yields the same token.
    struct Header: Encodable {
        var alg = "EdDSA"
        var kid: String
        var typ = "doorstep-receipt+jwt"
    }

    /// What a verifier reads of a header. `crit` names extensions a verifier must understand
    /// (RFC 7515 §4.1.11); we understand none, so a token with it is refused.
    struct ReadHeader: Decodable {
        var alg: String
        var kid: String
        var crit: [String]?
    }

    static func sign(_ payload: [UInt8], keyID: String, with key: Curve25519.Signing.PrivateKey) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let input = Base64URL.encode(try encoder.encode(Header(kid: keyID))) + "." + Base64URL.encode(payload)
        // RFC 7515 §5.1: the signature covers the ASCII of "header.payload", not the payload alone.
        return input + "." + Base64URL.encode(try key.signature(for: Array(input.utf8)))
    }

    public struct Verified: Sendable, Equatable {
        public var keyID: String
        public var payload: [UInt8]
    }

    /// Checks a compact EdDSA JWS against a key set; returns the key that signed it and the payload.
    /// Only `alg: EdDSA` with an OKP/Ed25519 key is accepted: never `none`, never an algorithm the
    /// token names for a key of another kind.
    public static func verify(_ token: String, against keys: JSONWebKeySet) throws(SignedReceipt.VerificationError) -> Verified {
        let parts = token.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(String(parts[0])),
              let header = try? JSONDecoder().decode(ReadHeader.self, from: Data(headerBytes)), header.alg == "EdDSA", header.crit == nil,
              let payload = Base64URL.decode(String(parts[1])), let signature = Base64URL.decode(String(parts[2]))
        else { throw .malformed }
        guard let jwk = keys.keys.first(where: { $0.kid == header.kid && $0.kty == "OKP" && $0.crv == "Ed25519" }) else { throw .unknownKey }
        guard let raw = Base64URL.decode(jwk.x), let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { throw .malformed }
        guard publicKey.isValidSignature(signature, for: Array((parts[0] + "." + parts[1]).utf8)) else { throw .badSignature }
        return Verified(keyID: header.kid, payload: payload)
    }
}

/// An Ed25519 public key as a JWK (RFC 8037 §2). `tenant_id` is ours; RFC 7517 §4 has libraries
/// ignore members they do not know.
public struct JSONWebKey: Codable, Sendable, Equatable {
    public var kty = "OKP"
    public var crv = "Ed25519"
    public var alg = "EdDSA"
    public var use = "sig"
    public var kid: String
    public var x: String
    public var tenantID: String?

    enum CodingKeys: String, CodingKey {
        case kty, crv, alg, use, kid, x, tenantID = "tenant_id"
    }

    public init(_ key: PublishedKey) {
        kid = key.keyID
        x = key.publicKey
        tenantID = key.tenantID
    }
}

public struct JSONWebKeySet: Codable, Sendable, Equatable {
    public var keys: [JSONWebKey]

    public init(_ keys: [PublishedKey]) {
        self.keys = keys.map(JSONWebKey.init)
    }
}
