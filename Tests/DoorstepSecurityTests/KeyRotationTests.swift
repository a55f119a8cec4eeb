import Foundation
import Synchronization
import Testing

@testable import DoorstepSecurity

/// Rotating the upload key and the receipt keys in a key folder, as `doorstep keys rotate-upload`
/// and `rotate-receipts` do, with a ring reading the same folder as a running server would.
@Suite struct KeyRotationTests {
    final class Clock: Sendable {
        let date = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        var now: Date { date.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { date.withLock { $0 += seconds } }
    }

    let folder = NSTemporaryDirectory() + "doorstep-keys-\(UUID().uuidString)"
    let photo = Array("a photo, sealed on a phone".utf8)

    func files() throws -> [String: Data] {
        Dictionary(uniqueKeysWithValues: try FileManager.default.contentsOfDirectory(atPath: folder).map {
            ($0, try Data(contentsOf: URL(fileURLWithPath: folder + "/" + $0)))
        })
    }

    @Test func aPhotoSealedBeforeARotationOpensDuringTheGraceAndNotAfter() throws {
        let clock = Clock()
        let ring = try UploadKeyRing(folder: folder, grace: 3600, refresh: .zero, now: { clock.now })
        let old = ring.current
        let queued = try SealedUpload.seal(photo, for: "d1", to: old)

        let rotation = try UploadKeyRing.rotate(folder: folder, grace: 3600, now: clock.now)
        #expect(ring.current.id != old.id)
        #expect(rotation.currentID == Base64URL.encode(ring.current.id))
        #expect((rotation.stillAccepted, rotation.deleted) == (1, 0))
        #expect(try ring.open(queued, deliveryID: "d1") == photo)
        #expect(try ring.open(try SealedUpload.seal(photo, for: "d1", to: ring.current), deliveryID: "d1") == photo)
        #expect(throws: SealedUpload.Invalid.self) { try ring.open(queued, deliveryID: "d2") }

        clock.advance(3601)
        #expect(throws: SealedUpload.Invalid.self) { try ring.open(queued, deliveryID: "d1") }
        // The next rotation deletes the key past its grace and keeps the one it retires.
        let next = try UploadKeyRing.rotate(folder: folder, grace: 3600, now: clock.now)
        #expect((next.stillAccepted, next.deleted) == (1, 1))
        #expect(try files().keys.sorted() == [".rotation.lock", "upload-key.key", "upload-key.retired-\(Int(clock.now.timeIntervalSince1970)).key"])
        for name in try files().keys {
            let mode = try FileManager.default.attributesOfItem(atPath: folder + "/" + name)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(name)")
        }
    }

    @Test func aServerThatHasNotLookedYetOpensAPhotoSealedToTheNewKey() throws {
        // A ring that would not read the folder again for an hour: a body naming a key it does not
        // know makes it look at once (at most once a second).
        let ring = try UploadKeyRing(folder: folder, grace: 3600, refresh: .seconds(3600))
        _ = try UploadKeyRing.rotate(folder: folder, grace: 3600)
        let fresh = try SealedUpload.seal(photo, for: "d1", to: try UploadKeyRing(folder: folder, grace: 0).current)
        Thread.sleep(forTimeInterval: 1.1)
        #expect(try ring.open(fresh, deliveryID: "d1") == photo)
        #expect(ring.current.publicKey == (try UploadKeyRing(folder: folder, grace: 0).current.publicKey))
    }

    @Test func receiptsSignedBeforeARotationStillVerifyAndTheOldSecretIsGone() throws {
        let keys = try ReceiptKeys(folder: folder, refresh: .zero)
        let oldSecret = try #require(try files()["receipt-master.key"])
        let before = try keys.sign(photo, tenantID: "t1")

        #expect(try ReceiptKeys.rotate(folder: folder, tenantIDs: ["t1", "t2"]) == 2)
        let after = try keys.sign(photo, tenantID: "t1")
        #expect(after.keyID != before.keyID)
        let published = keys.published(tenantIDs: ["t1", "t2"])
        #expect(published.count == 4)
        #expect(try before.verify(against: published) == photo)
        #expect(try after.verify(against: published) == photo)
        #expect(!(try files().values.contains(oldSecret)), "the retired secret is still on disk")
        // Another tenant's keys are not published under this one's name.
        #expect(keys.published(tenantIDs: ["t2"]).allSatisfy { $0.tenantID == "t2" })

        // A second rotation keeps the first one's public keys.
        #expect(try ReceiptKeys.rotate(folder: folder, tenantIDs: ["t1", "t2"]) == 2)
        #expect(try before.verify(against: keys.published(tenantIDs: ["t1"])) == photo)
        #expect(keys.published(tenantIDs: ["t1", "t2"]).count == 6)
    }
}
