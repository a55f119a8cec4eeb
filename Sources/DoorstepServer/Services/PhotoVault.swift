import Crypto
import DoorstepCore
import DoorstepImaging
import DoorstepSecurity
import DoorstepStorage
import Foundation

/// Photo bytes at rest: sealed with the photo's own data key on the way in, opened on the way
/// out, and made unreadable for good by destroying that key.
public struct PhotoVault: Sendable {
    let dependencies: AppDependencies

    public struct Stored: Sendable {
        public var display: PhotoVariant
        public var thumbnail: PhotoVariant
        public var dataKey: WrappedDataKey
    }

    /// Seals and writes both variants, at once: each write waits on its own fsyncs, and the upload
    /// answers only when both are durable. On failure nothing written stays behind.
    public func store(_ image: ProcessedImage, photoID: String) async throws -> Stored {
        let dataKey = DataKey.generate()
        let wrapped = try dependencies.keys.wrap(dataKey, photoID: photoID)
        async let display = put(image.display, kind: .display, photoID: photoID, dataKey: dataKey)
        async let thumbnail = put(image.thumbnail, kind: .thumbnail, photoID: photoID, dataKey: dataKey)
        do {
            return Stored(display: try await display, thumbnail: try await thumbnail, dataKey: wrapped)
        } catch {
            // Both writes have ended before the cleanup (so none lands after it); whichever got
            // written goes, and deleting one that never was is harmless.
            _ = try? await display
            _ = try? await thumbnail
            await deleteBlobs([Photo.VariantKind.display, .thumbnail].map { BlobKey.photoVariant(photoID: photoID, variant: $0) })
            throw error
        }
    }

    private func put(_ image: EncodedImage, kind: Photo.VariantKind, photoID: String, dataKey: DataKey) async throws -> PhotoVariant {
        let key = BlobKey.photoVariant(photoID: photoID, variant: kind)
        let sealed = try dataKey.seal(image.jpeg, boundTo: key)
        try await dependencies.blobs.put(key, bytes: sealed)
        return PhotoVariant(blobKey: key, width: image.width, height: image.height, byteCount: image.jpeg.count,
                            sha256: SHA256.hash(data: image.jpeg).hexString)
    }

    /// The JPEG of a live photo's variant.
    public func read(_ photo: Photo, variant: Photo.VariantKind) async throws -> [UInt8] {
        let blobKey = photo.variant(variant).blobKey
        guard let sealed = try await dependencies.blobs.get(blobKey) else { throw DoorstepError.notFound }
        let dataKey = try dependencies.keys.unwrap(photo.dataKey, photoID: photo.id)
        return try dataKey.open(sealed, boundTo: blobKey)
    }

    /// Best effort: a blob that cannot be deleted now is found by the orphan sweep. Its data key
    /// is already destroyed, so what remains cannot be read.
    public func deleteBlobs(_ keys: [String]) async {
        for key in keys {
            do {
                try await dependencies.blobs.delete(key)
            } catch {
                dependencies.logger.warning("blob delete failed; the orphan sweep will retry", metadata: ["error": "\(error)"])
            }
        }
    }
}
