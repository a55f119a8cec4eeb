import Crypto
import DoorstepCore
import Foundation
import Testing

@testable import DoorstepSecurity

@Suite final class EnvelopeTests {
    let folder = NSTemporaryDirectory() + "doorstep-kek-\(UUID().uuidString)"

    deinit { try? FileManager.default.removeItem(atPath: folder) }

    @Test func aSealedBlobOpensOnlyWithItsKeyAndItsBlobName() throws {
        let key = DataKey.generate()
        let plaintext = Array("\u{FF}\u{D8} pretend JPEG".utf8)
        let sealed = try key.seal(plaintext, boundTo: "photos/a/display.jpg")
        #expect(Array(sealed.prefix(4)) == Array("DSE1".utf8))
        #expect(!sealed.contains(ascii: "pretend"))
        #expect(try key.open(sealed, boundTo: "photos/a/display.jpg") == plaintext)
        #expect(throws: (any Error).self) { try key.open(sealed, boundTo: "photos/b/display.jpg") }
        #expect(throws: (any Error).self) { try DataKey.generate().open(sealed, boundTo: "photos/a/display.jpg") }
        var tampered = sealed
        tampered[tampered.count / 2] ^= 1
        #expect(throws: (any Error).self) { try key.open(tampered, boundTo: "photos/a/display.jpg") }
    }

    @Test func dataKeysAreWrappedPerPhotoAndSurviveRotation() throws {
        let ring = try KeyRing.load(folder: folder)
        #expect(ring.current == 1)
        let key = DataKey.generate()
        let sealed = try key.seal([1, 2, 3], boundTo: "b")
        let wrapped = try ring.wrap(key, photoID: "p1")
        #expect(throws: (any Error).self) { try ring.unwrap(wrapped, photoID: "p2") }

        let rotated = try ring.addingVersion()
        #expect(rotated.current == 2 && rotated.versions == [1, 2])
        let rewrapped = try rotated.rewrap(wrapped, photoID: "p1")
        #expect(rewrapped.kekVersion == 2)
        #expect(try rotated.unwrap(rewrapped, photoID: "p1").open(sealed, boundTo: "b") == [1, 2, 3])

        try rotated.retire(version: 1)
        let reloaded = try KeyRing.load(folder: folder)
        #expect(reloaded.versions == [2])
        #expect(throws: EnvelopeError.self) { try reloaded.unwrap(wrapped, photoID: "p1") }
        #expect(try reloaded.unwrap(rewrapped, photoID: "p1").open(sealed, boundTo: "b") == [1, 2, 3])
    }

    @Test func theServersRingUsesAKEKAddedOrRetiredByAnotherProcessAtOnce() throws {
        let store = try KeyRingStore(folder: folder)
        let first = DataKey.generate()
        let wrapped = try store.wrap(first, photoID: "p1")
        #expect(wrapped.kekVersion == 1)
        // What `doorstep keys rotate` does, in a process of its own.
        let rotated = try KeyRing.load(folder: folder).addingVersion()
        let second = try store.wrap(DataKey.generate(), photoID: "p2")
        #expect(second.kekVersion == 2)
        let rewrapped = try rotated.rewrap(wrapped, photoID: "p1")
        try rotated.retire(version: 1)
        let third = try store.wrap(DataKey.generate(), photoID: "p3")
        #expect(third.kekVersion == 2 && store.current.versions == [2])
        #expect(throws: EnvelopeError.self) { try store.unwrap(wrapped, photoID: "p1") }
        #expect(try store.unwrap(rewrapped, photoID: "p1").open(try first.seal([7], boundTo: "b"), boundTo: "b") == [7])
    }

    @Test func whatHoldsAKeyPrintsItsTypeOnly() throws {
        let bytes = (0..<32).map { UInt8(200 + $0 % 50) }
        let holders: [Any] = [
            LinkSigner(key: SymmetricKey(data: bytes)), SubjectDigest(key: SymmetricKey(data: bytes)),
            try KeyRing.load(folder: folder), DataKey.generate(),
        ]
        for holder in holders {
            var dumped = ""
            dump(holder, to: &dumped)
            for text in [String(describing: holder), String(reflecting: holder), "\(holder)", dumped] {
                #expect(text.contains("(redacted)") && !text.contains("keyBytes") && !text.contains("\(bytes[0]), \(bytes[1])"), "\(text)")
            }
        }
    }

    @Test func keyFilesAreOwnerOnly() throws {
        _ = try KeyRing.load(folder: folder)
        let attributes = try FileManager.default.attributesOfItem(atPath: folder + "/kek-0001.key")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test func subjectDigestsNormaliseAndHide() {
        let digest = SubjectDigest(key: .init(size: .bits256))
        #expect(digest.digest(.email, " Ann@Example.com") == digest.digest(.email, "ann@example.com"))
        #expect(digest.digest(.address, "4, Rue des Lilas") == digest.digest(.address, "4 rue des  lilas"))
        #expect(digest.digest(.email, "ann@example.com") != digest.digest(.address, "ann@example.com"))
        #expect(!digest.digest(.email, "ann@example.com").contains("ann"))
    }

    @Test func aRecipientsNumberIsOneSubjectHoweverItIsWritten() throws {
        let digest = SubjectDigest(key: .init(size: .bits256))
        let written = try RecipientContact(email: nil, phone: "0044 7700 900123")
        let stored = RecipientContact(Recipient(name: "A", email: "", language: .en, phone: "+447700900123"))
        #expect(written == stored && stored.email == nil)
        #expect(digest.subjects(of: written, address: "x")[.phone] == digest.subjects(of: stored, address: "x")[.phone])
        #expect(digest.subjects(of: stored, address: "x")[.email] == nil)
    }

}

extension Array where Element == UInt8 {
    func contains(ascii needle: String) -> Bool {
        let pattern = Array(needle.utf8)
        guard pattern.count <= count else { return false }
        return (0...(count - pattern.count)).contains { Array(self[$0..<$0 + pattern.count]) == pattern }
    }
}
