import Crypto
import DoorstepCore
import Foundation

/// Ed25519 signatures for delivery receipts, one key per tenant.
///
/// Each tenant's key is derived from one master secret (`keys/receipt-master.key`, 0600) with
/// HKDF-SHA256 and the tenant id: no per-tenant key files to lose, and every server sharing the
/// key folder signs with the same keys. Public keys are published for offline verification.
public struct ReceiptSigner: Sendable {
    /// Bytes, not swift-crypto's key type, which is not Sendable.
    private let master: Data

    public init(master: SymmetricKey) {
        self.master = master.withUnsafeBytes { Data($0) }
    }

    public static func loadOrCreate(folder: String) throws -> ReceiptSigner {
        ReceiptSigner(master: try KeyFile.loadOrCreate(at: folder + "/" + ReceiptKeys.masterName))
    }

    private func privateKey(tenantID: String) -> Curve25519.Signing.PrivateKey {
        let seed = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: master), salt: Array("doorstep-receipt-v1".utf8), info: Array(tenantID.utf8), outputByteCount: 32)
        return try! Curve25519.Signing.PrivateKey(rawRepresentation: seed.withUnsafeBytes { Data($0) })
    }

    public func publicKey(tenantID: String) -> PublishedKey {
        PublishedKey(tenantID: tenantID, publicKey: Array(privateKey(tenantID: tenantID).publicKey.rawRepresentation))
    }

    /// Signs `payload` (the receipt's exact JSON bytes) for the tenant.
    public func sign(_ payload: [UInt8], tenantID: String) throws -> SignedReceipt {
        let key = privateKey(tenantID: tenantID)
        let keyID = publicKey(tenantID: tenantID).keyID
        return SignedReceipt(
            tenantID: tenantID, keyID: keyID, payload: Base64URL.encode(payload), signature: Base64URL.encode(try key.signature(for: payload)),
            jws: try CompactJWS.sign(payload, keyID: keyID, with: key))
    }
}

/// A tenant's receipt key as `/.well-known/doorstep-keys.json` lists it.
public struct PublishedKey: Codable, Sendable, Equatable {
    public var tenantID: String
    public var algorithm = "Ed25519"
    public var keyID: String
    public var publicKey: String

    enum CodingKeys: String, CodingKey {
        case tenantID = "tenant_id", algorithm = "alg", keyID = "kid", publicKey = "public_key"
    }

    public init(tenantID: String, publicKey: [UInt8]) {
        self.tenantID = tenantID
        self.publicKey = Base64URL.encode(publicKey)
        // The key's own fingerprint names it: a rotated key gets a new id by itself.
        keyID = "ed25519-" + Hex.encode(SHA256.hash(data: publicKey).prefix(8))
    }
}

/// A receipt as downloaded: the payload exactly as signed (base64url of its JSON bytes, so no
/// canonicalisation is needed to check it), the signature, and which tenant key made it.
public struct SignedReceipt: Codable, Sendable, Equatable {
    public var format = "doorstep-receipt/1"
    public var tenantID: String
    public var keyID: String
    public var payload: String
    public var signature: String
    /// The same payload as a compact JWS (EdDSA), for any JOSE library and the JWKS; absent from
    /// receipts downloaded before it was added, which still verify by `signature`.
    public var jws: String?

    enum CodingKeys: String, CodingKey {
        case format, tenantID = "tenant_id", keyID = "kid", payload, signature, jws
    }

    public enum VerificationError: Error, Equatable, CustomStringConvertible {
        case malformed
        case unknownKey
        case badSignature

        public var description: String {
            switch self {
            case .malformed: "not a Doorstep receipt"
            case .unknownKey: "no published key of this tenant has this key id"
            case .badSignature: "the signature does not match: the receipt was changed or not signed by this tenant"
            }
        }
    }

    /// Checks the signature against the tenant's published keys; returns the signed payload bytes.
    public func verify(against keys: [PublishedKey]) throws(VerificationError) -> [UInt8] {
        guard let key = keys.first(where: { $0.tenantID == tenantID && $0.keyID == keyID }) else { throw .unknownKey }
        guard let raw = Base64URL.decode(key.publicKey), let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: raw),
              let payloadBytes = Base64URL.decode(payload), let signatureBytes = Base64URL.decode(signature)
        else { throw .malformed }
        guard publicKey.isValidSignature(signatureBytes, for: payloadBytes) else { throw .badSignature }
        return payloadBytes
    }
}
