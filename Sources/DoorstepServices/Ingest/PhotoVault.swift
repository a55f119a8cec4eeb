import Crypto
import DoorstepCore
import DoorstepImaging
import DoorstepSecurity
import DoorstepStorage
import Foundation
import Logging

/// Photo bytes at rest: sealed with the photo's own data key on the way in, opened on the way
/// out, and made unreadable for good by destroying that key.
public struct PhotoVault: Sendable {
    let blobs: any BlobStore
    let keys: KeyRingStore
    let logger: Logger

    public init(blobs: any BlobStore, keys: KeyRingStore, logger: Logger) {
        self.blobs = blobs
        self.keys = keys
        self.logger = logger
    }

    public struct Stored: Sendable {
        public var display: PhotoVariant
        public var thumbnail: PhotoVariant
        public var dataKey: WrappedDataKey
    }

    /// Seals and writes both variants; the upload answers only when both are durable. On failure
    /// nothing written stays behind.
    public func store(_ image: ProcessedImage, photoID: String) async throws -> Stored {
        let dataKey = DataKey.generate()
        let wrapped = try keys.wrap(dataKey, photoID: photoID)
        let variants = [(Photo.VariantKind.display, image.display), (.thumbnail, image.thumbnail)]
        var sealed: [BlobObject] = []
        var stored: [PhotoVariant] = []
        for (kind, encoded) in variants {
            let key = BlobKey.photoVariant(photoID: photoID, variant: kind)
            sealed.append(BlobObject(key: key, bytes: try dataKey.seal(encoded.jpeg, boundTo: key)))
            stored.append(PhotoVariant(blobKey: key, width: encoded.width, height: encoded.height, byteCount: encoded.jpeg.count,
                                       sha256: SHA256.hash(data: encoded.jpeg).hexString))
        }
        do {
            try await blobs.put(sealed)
        } catch {
            // Every write has ended by now (so none lands after the cleanup); whichever got written
            // goes, and deleting one that never was is harmless.
            await deleteBlobs(sealed.map(\.key))
            throw error
        }
        return Stored(display: stored[0], thumbnail: stored[1], dataKey: wrapped)
    }

    /// The JPEG of a live photo's variant.
    public func read(_ photo: Photo, variant: Photo.VariantKind) async throws -> [UInt8] {
        let blobKey = photo.variant(variant).blobKey
        guard let sealed = try await blobs.get(blobKey) else { throw DoorstepError.notFound }
        let dataKey = try keys.unwrap(photo.dataKey, photoID: photo.id)
        return try dataKey.open(sealed, boundTo: blobKey)
    }

    /// The photo's thumbnail resealed under a data key of its own, written and durable: its proof
    /// thumbnail, which may outlive the photo's key. Each sealing has its own blob, so two
    /// sweepers racing never overwrite the one that wins.
    public func sealProofThumbnail(of photo: Photo, sealID: String) async throws -> (blobKey: String, dataKey: WrappedDataKey) {
        let jpeg = try await read(photo, variant: .thumbnail)
        let dataKey = DataKey.generate()
        let wrapped = try keys.wrap(dataKey, photoID: photo.id)
        let blobKey = BlobKey.proofThumbnail(photoID: photo.id, sealID: sealID)
        try await blobs.put([BlobObject(key: blobKey, bytes: try dataKey.seal(jpeg, boundTo: blobKey))])
        return (blobKey, wrapped)
    }

    /// The JPEG of a live proof thumbnail.
    public func read(_ proof: StoredProofThumbnail) async throws -> [UInt8] {
        guard let sealed = try await blobs.get(proof.blobKey) else { throw DoorstepError.notFound }
        let dataKey = try keys.unwrap(proof.dataKey, photoID: proof.photoID)
        return try dataKey.open(sealed, boundTo: proof.blobKey)
    }

    /// Best effort: a blob that cannot be deleted now is found by the orphan sweep. Its data key
    /// is already destroyed, so what remains cannot be read.
    public func deleteBlobs(_ keys: [String]) async {
        for key in keys {
            do {
                try await blobs.delete(key)
            } catch {
                logger.warning("blob delete failed; the orphan sweep will retry", metadata: ["error": "\(error)"])
            }
        }
    }
}
