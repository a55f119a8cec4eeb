import Crypto
import DoorstepCore
import Foundation
import Testing

@testable import DoorstepSecurity

@Suite struct LinkSignerTests {
    let signer = LinkSigner(key: SymmetricKey(size: .bits256))
    let id = "956ed28a-8a65-4e20-876f-9bddeab8077c"
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aSignedLinkVerifiesUntilItExpires() throws {
        let signature = signer.sign(deliveryID: id, expires: now.addingTimeInterval(3600))
        try signer.verify(deliveryID: id, expires: "\(signature.expires)", mac: signature.mac, now: now)
        #expect(throws: DoorstepError.linkExpired) {
            try signer.verify(deliveryID: id, expires: "\(signature.expires)", mac: signature.mac, now: now.addingTimeInterval(3601))
        }
    }

    @Test func anyEditIsRefusedAsInvalid() {
        let signature = signer.sign(deliveryID: id, expires: now.addingTimeInterval(3600))
        let otherID = "956ed28a-8a65-4e20-876f-9bddeab8077d"
        var flipped = Array(signature.mac)
        flipped[3] = flipped[3] == "A" ? "B" : "A"
        let attempts: [(String, String?, String?)] = [
            (otherID, "\(signature.expires)", signature.mac),  // another delivery
            (id, "\(signature.expires + 86400)", signature.mac),  // extended expiry
            (id, "\(signature.expires)", String(flipped)),  // tampered MAC
            (id, "\(signature.expires)", nil), (id, nil, signature.mac), (id, "soon", signature.mac),
            ("not-an-id", "\(signature.expires)", signature.mac),
        ]
        for (delivery, expires, mac) in attempts {
            #expect(throws: DoorstepError.linkInvalid) { try signer.verify(deliveryID: delivery, expires: expires, mac: mac, now: now) }
        }
    }

    @Test func anExpiredForgeryIsInvalidNotExpired() {
        // A forger must not learn anything, not even that the timestamp is in the past.
        #expect(throws: DoorstepError.linkInvalid) {
            try signer.verify(deliveryID: id, expires: "1", mac: "AAAA", now: now)
        }
    }

    @Test func aLinkFromAnotherKeyIsInvalid() {
        let other = LinkSigner(key: SymmetricKey(size: .bits256)).sign(deliveryID: id, expires: now.addingTimeInterval(60))
        #expect(throws: DoorstepError.linkInvalid) {
            try signer.verify(deliveryID: id, expires: "\(other.expires)", mac: other.mac, now: now)
        }
    }
}

@Suite struct SecretTokenTests {
    @Test func tokensAreRandomPrefixedAndStoredOnlyAsDigests() {
        let a = SecretToken.generate(.apiKey), b = SecretToken.generate(.apiKey)
        #expect(a != b && a.hasPrefix("dsk_") && a.count >= 47)
        #expect(SecretToken.digest(a) == SecretToken.digest(a))
        #expect(SecretToken.digest(a) != SecretToken.digest(b))
        #expect(!SecretToken.digest(a).contains(a.dropFirst(4)))
        #expect(SecretToken.generate(.courierSession).hasPrefix("dsc_"))
    }

    @Test func base64URLRoundTrips() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(($0 * 37 + 250) % 256) }
            let text = Base64URL.encode(bytes)
            #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
            #expect(Base64URL.decode(text) == bytes)
        }
        #expect(Base64URL.decode("a b") == nil)
    }

    @Test func passwordsAreBcryptHashed() {
        let hasher = PasswordHasher(cost: 4)
        let hash = hasher.hash("correct horse battery")
        #expect(hash.hasPrefix("$2"))
        #expect(hasher.verify("correct horse battery", against: hash))
        #expect(!hasher.verify("correct horse batterY", against: hash))
        #expect(!PasswordHasher.isAcceptable("short"))
    }
}

@Suite final class KeyFileTests {
    let root = NSTemporaryDirectory() + "doorstep-keys-\(UUID().uuidString)"

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func temporaryFolder() throws -> String {
        root + "/\(UUID().uuidString)"
    }

    @Test func aKeyIsCreatedOnceWithMode0600AndThenReused() throws {
        let path = try temporaryFolder() + "/keys/link.key"
        let first = try KeyFile.loadOrCreate(at: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let second = try KeyFile.loadOrCreate(at: path)
        #expect(first == second)
        let folder = try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)
        #expect(folder == ["link.key"], "temporary files left: \(folder)")
    }

    @Test func aKeyReadableByOthersIsRefused() throws {
        let path = try temporaryFolder() + "/link.key"
        _ = try KeyFile.loadOrCreate(at: path)
        chmod(path, 0o644)
        #expect(throws: KeyFile.Error.self) { try KeyFile.loadOrCreate(at: path) }
    }
}
