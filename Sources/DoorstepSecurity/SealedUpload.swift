import Crypto
import Foundation

/// End-to-end sealed photo uploads: the courier's page encrypts the captured JPEG before it is
/// queued on the phone, so nothing on the phone can show it; only the server can open it.
///
/// Scheme (WebCrypto on the phone, swift-crypto here), version 1:
/// - the page makes an ephemeral ECDH P-256 key pair per photo and agrees a secret with the
///   server's published upload key;
/// - HKDF-SHA256(secret, salt: "doorstep-sealed-upload-v1", info: ephemeral ‖ server public key)
///   gives a 256-bit AES-GCM key;
/// - AES-GCM seals the JPEG with a random 96-bit nonce, authenticating "doorstep-photo:<delivery id>",
///   so a sealed photo opens only for the delivery it was taken for.
/// Body: "DSU1" ‖ key id (8) ‖ ephemeral public key (65, uncompressed) ‖ nonce (12) ‖ ciphertext ‖ tag (16).
public struct SealedUpload: Sendable {
    public static let mediaType = "application/vnd.doorstep.sealed-photo"
    static let magic = Array("DSU1".utf8)
    static let salt = Array("doorstep-sealed-upload-v1".utf8)
    static let headerLength = 4 + 8 + 65 + 12
    /// How much longer a sealed body is than the photo in it (header and GCM tag).
    public static let overhead = headerLength + 16

    public struct Invalid: Error {}

    /// The server's upload key: one P-256 key-agreement key in `keys/upload-key.key` (0600),
    /// made on first start. Several servers share it the way they share the key folder.
    public struct Key: Sendable {
        /// The private scalar: swift-crypto's key type is not Sendable, bytes are, and rebuilding is cheap.
        private let raw: Data
        /// The public key as the page imports it (`importKey("raw", …)`): 65 bytes, uncompressed.
        public let publicKey: [UInt8]

        var privateKey: P256.KeyAgreement.PrivateKey { try! P256.KeyAgreement.PrivateKey(rawRepresentation: raw) }

        public static func loadOrCreate(folder: String) throws -> Key {
            try Key(raw: try KeyFile.loadOrCreateBytes(at: folder + "/" + UploadKeyRing.currentName) { P256.KeyAgreement.PrivateKey().rawRepresentation })
        }

        public init(_ privateKey: P256.KeyAgreement.PrivateKey = .init()) {
            raw = privateKey.rawRepresentation
            publicKey = Array(privateKey.publicKey.x963Representation)
        }

        /// A key as its file holds it (the private scalar).
        init(raw: Data) throws {
            self.init(try P256.KeyAgreement.PrivateKey(rawRepresentation: raw))
        }

        var rawRepresentation: Data { raw }


        /// First 8 bytes of the public key's SHA-256: names the key, so a rotated key is told apart.
        public var id: [UInt8] { Array(SHA256.hash(data: publicKey).prefix(8)) }

        /// Opens a sealed body for `deliveryID`. Any mismatch (other key, other delivery, a changed
        /// byte) is `Invalid`, never a partial result.
        public func open(_ body: [UInt8], deliveryID: String) throws(Invalid) -> [UInt8] {
            guard body.count > SealedUpload.overhead, Array(body[0..<4]) == SealedUpload.magic,
                  Array(body[4..<12]) == id
            else { throw Invalid() }
            let ephemeralBytes = body[12..<77]
            let nonceBytes = body[77..<89]
            let sealed = body[89...]
            do {
                let ephemeral = try P256.KeyAgreement.PublicKey(x963Representation: ephemeralBytes)
                let secret = try privateKey.sharedSecretFromKeyAgreement(with: ephemeral)
                let key = secret.hkdfDerivedSymmetricKey(
                    using: SHA256.self, salt: SealedUpload.salt, sharedInfo: Array(ephemeralBytes) + publicKey, outputByteCount: 32)
                let box = try AES.GCM.SealedBox(
                    nonce: AES.GCM.Nonce(data: nonceBytes), ciphertext: sealed.dropLast(16), tag: sealed.suffix(16))
                return Array(try AES.GCM.open(box, using: key, authenticating: SealedUpload.associatedData(deliveryID)))
            } catch {
                throw Invalid()
            }
        }
    }

    static func associatedData(_ deliveryID: String) -> [UInt8] { Array("doorstep-photo:\(deliveryID)".utf8) }

    /// Seals as the courier's page does. The server never seals; tests and the load generator do.
    public static func seal(_ plaintext: [UInt8], for deliveryID: String, to key: Key) throws -> [UInt8] {
        let ephemeral = P256.KeyAgreement.PrivateKey()
        let ephemeralBytes = Array(ephemeral.publicKey.x963Representation)
        let secret = try ephemeral.sharedSecretFromKeyAgreement(with: P256.KeyAgreement.PublicKey(x963Representation: key.publicKey))
        let symmetric = secret.hkdfDerivedSymmetricKey(
            using: SHA256.self, salt: salt, sharedInfo: ephemeralBytes + key.publicKey, outputByteCount: 32)
        let nonce = AES.GCM.Nonce()
        let box = try AES.GCM.seal(plaintext, using: symmetric, nonce: nonce, authenticating: associatedData(deliveryID))
        return magic + key.id + ephemeralBytes + Array(nonce) + Array(box.ciphertext) + Array(box.tag)
    }
}
