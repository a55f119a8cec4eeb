import DoorstepCore
import DoorstepSecurity
import DoorstepStorage
import Foundation

/// Rotates the key-encryption key: a new KEK wraps new data keys, every existing data key is
/// rewrapped under it (blobs are not touched), then KEKs no data key depends on are deleted.
public struct KeyRotation: Sendable {
    let store: any PhotoKeyStore
    let keys: KeyRingStore

    public init(store: any PhotoKeyStore, keys: KeyRingStore) {
        self.store = store
        self.keys = keys
    }

    public struct Report: Sendable, Equatable {
        public var newVersion: Int
        public var rewrapped: Int
        public var retiredVersions: [Int]
    }

    /// `settle` is how long to wait before a second pass: a server that read the key ring just
    /// before the new KEK appeared may still commit a photo wrapped by the old one.
    public func rotate(settle: Duration = .seconds(5)) async throws -> Report {
        let ring = try keys.current.addingVersion()
        _ = try keys.reload()
        var rewrapped = try await rewrapAll(to: ring)
        try await Task.sleep(for: settle)
        rewrapped += try await rewrapAll(to: ring)
        let inUse = try await store.kekVersionsInUse()
        let retired = ring.versions.filter { $0 != ring.current && !inUse.contains($0) }
        for version in retired { try ring.retire(version: version) }
        _ = try keys.reload()
        return Report(newVersion: ring.current, rewrapped: rewrapped, retiredVersions: retired)
    }

    private func rewrapAll(to ring: KeyRing) async throws -> Int {
        var count = 0
        while true {
            let batch = try await store.photoKeys(notWrappedBy: ring.current, limit: 200)
            if batch.isEmpty { return count }
            var progressed = false
            for (photoID, old) in batch {
                let new = try ring.rewrap(old, photoID: photoID)
                if try await store.replacePhotoKey(photoID: photoID, old: old, new: new) {
                    count += 1
                    progressed = true
                }
            }
            if !progressed { return count }
        }
    }
}
