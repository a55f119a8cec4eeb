import Crypto
import Foundation
import Testing

@testable import DoorstepSecurity

/// A receipt's compact JWS against the JWK Set, as a JOSE library would check it, and the forms
/// a forger would try: another payload, `alg: none`, a `crit` extension, a key of another tenant.
@Suite struct JOSETests {
    let signer = ReceiptSigner(master: SymmetricKey(size: .bits256))
    let payload = Array(#"{"delivery_id":"d1","delivered_at":"2026-12-04T10:00:00Z"}"#.utf8)

    func keys(_ tenants: String...) -> JSONWebKeySet {
        JSONWebKeySet(tenants.map { signer.publicKey(tenantID: $0) })
    }

    func part(_ json: String) -> String { Base64URL.encode(Array(json.utf8)) }

    @Test func aReceiptsJWSVerifiesAgainstTheKeySetAndStatesTheSignedPayload() throws {
        let receipt = try signer.sign(payload, tenantID: "t1")
        let token = try #require(receipt.jws)
        let verified = try CompactJWS.verify(token, against: keys("t2", "t1"))
        #expect(verified == .init(keyID: receipt.keyID, payload: payload))
        #expect(Base64URL.decode(receipt.payload) == payload)
        let header = try #require(Base64URL.decode(String(token.split(separator: ".")[0])))
        #expect(String(decoding: header, as: UTF8.self) == #"{"alg":"EdDSA","kid":"\#(receipt.keyID)","typ":"doorstep-receipt+jwt"}"#)
        // The JWK is RFC 8037's: OKP, Ed25519, x the raw 32-byte key.
        let jwk = try #require(keys("t1").keys.first)
        #expect((jwk.kty, jwk.crv, jwk.alg, jwk.kid) == ("OKP", "Ed25519", "EdDSA", receipt.keyID))
        #expect(Base64URL.decode(jwk.x)?.count == 32)
    }

    @Test func aChangedOrForgedTokenIsRefused() throws {
        let token = try #require(try signer.sign(payload, tenantID: "t1").jws)
        let parts = token.split(separator: ".").map(String.init)
        let other = part(#"{"delivery_id":"d2"}"#)
        #expect(throws: SignedReceipt.VerificationError.badSignature) { try CompactJWS.verify([parts[0], other, parts[2]].joined(separator: "."), against: keys("t1")) }
        // Another tenant's keys only: the kid is unknown.
        #expect(throws: SignedReceipt.VerificationError.unknownKey) { try CompactJWS.verify(token, against: keys("t2")) }
        let kid = try signer.sign(payload, tenantID: "t1").keyID
        let none = part(#"{"alg":"none","kid":"\#(kid)"}"#)
        #expect(throws: SignedReceipt.VerificationError.malformed) { try CompactJWS.verify([none, parts[1], ""].joined(separator: "."), against: keys("t1")) }
        let critical = part(#"{"alg":"EdDSA","kid":"\#(kid)","crit":["exp"],"exp":1}"#)
        #expect(throws: SignedReceipt.VerificationError.malformed) { try CompactJWS.verify([critical, parts[1], parts[2]].joined(separator: "."), against: keys("t1")) }
        #expect(throws: SignedReceipt.VerificationError.malformed) { try CompactJWS.verify(parts[0] + "." + parts[1], against: keys("t1")) }
        #expect(throws: SignedReceipt.VerificationError.malformed) { try CompactJWS.verify("not a token", against: keys("t1")) }
    }
}
