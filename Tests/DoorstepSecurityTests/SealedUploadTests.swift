import DoorstepSecurity
import Foundation
import Testing

@Suite struct SealedUploadTests {
    let key = SealedUpload.Key()
    let photo = Array("\u{FF}\u{D8}\u{FF} pretend this is a JPEG".utf8)

    @Test func aSealedPhotoOpensForItsDeliveryAndCarriesNoPlaintext() throws {
        let sealed = try SealedUpload.seal(photo, for: "delivery-1", to: key)
        #expect(try key.open(sealed, deliveryID: "delivery-1") == photo)
        #expect(sealed.count == photo.count + 4 + 8 + 65 + 12 + 16)
        #expect(SealedUpload.overhead == 4 + 8 + 65 + 12 + 16)
        #expect(!Data(sealed).contains(Data(photo.prefix(8))))
        // Two seals of one photo share nothing but the header: fresh ephemeral key and nonce.
        let again = try SealedUpload.seal(photo, for: "delivery-1", to: key)
        #expect(Array(again[12...]) != Array(sealed[12...]))
    }

    @Test func itOpensForNoOtherDeliveryKeyOrChangedByte() throws {
        let sealed = try SealedUpload.seal(photo, for: "delivery-1", to: key)
        #expect(throws: SealedUpload.Invalid.self) { try key.open(sealed, deliveryID: "delivery-2") }
        #expect(throws: SealedUpload.Invalid.self) { try SealedUpload.Key().open(sealed, deliveryID: "delivery-1") }
        for index in [0, 5, 20, 80, sealed.count - 20, sealed.count - 1] {
            var tampered = sealed
            tampered[index] ^= 0x01
            #expect(throws: SealedUpload.Invalid.self) { try key.open(tampered, deliveryID: "delivery-1") }
        }
        #expect(throws: SealedUpload.Invalid.self) { try key.open(Array(sealed.prefix(100)), deliveryID: "delivery-1") }
        #expect(throws: SealedUpload.Invalid.self) { try key.open([], deliveryID: "delivery-1") }
    }

    @Test func theKeyIsMadeOnceAndKeptPrivate() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("upload-key-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = try SealedUpload.Key.loadOrCreate(folder: folder)
        let second = try SealedUpload.Key.loadOrCreate(folder: folder)
        #expect(first.publicKey == second.publicKey)
        #expect(first.publicKey.count == 65 && first.publicKey[0] == 0x04)
        let mode = try FileManager.default.attributesOfItem(atPath: folder + "/upload-key.key")[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}
