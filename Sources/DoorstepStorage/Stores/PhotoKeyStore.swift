import DoorstepCore
import Foundation

/// Photos' wrapped data keys, for key-encryption-key rotation.
public protocol PhotoKeyStore: Sendable {
    func photoKeys(notWrappedBy version: Int, limit: Int) async throws -> [(photoID: String, key: WrappedDataKey)]
    /// Swaps a data key's wrapping if it is still `old`; false when the photo changed meanwhile.
    func replacePhotoKey(photoID: String, old: WrappedDataKey, new: WrappedDataKey) async throws -> Bool
    func kekVersionsInUse() async throws -> Set<Int>
}
