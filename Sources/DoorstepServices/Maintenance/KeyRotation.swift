import DoorstepCore
import DoorstepSecurity
import DoorstepStorage
import Foundation

/// Rotates the key-encryption key: a new KEK wraps new data keys, every existing data key is
/// rewrapped under it (blobs are not touched), every webhook secret and operator's authenticator
/// secret resealed (webhook secrets stored before secrets were sealed get sealed), then KEKs
/// nothing depends on are deleted.
public struct KeyRotation: Sendable {
    let store: any PhotoKeyStore & WebhookStore & OperatorStore
    let keys: KeyRingStore

    public init(store: any PhotoKeyStore & WebhookStore & OperatorStore, keys: KeyRingStore) {
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
        let secretVersions = try await resealWebhookSecrets(with: ring).union(try await resealOperatorSecrets(with: ring))
        let inUse = try await store.kekVersionsInUse().union(secretVersions)
        let retired = ring.versions.filter { $0 != ring.current && !inUse.contains($0) }
        for version in retired { try ring.retire(version: version) }
        _ = try keys.reload()
        return Report(newVersion: ring.current, rewrapped: rewrapped, retiredVersions: retired)
    }

    /// Reseals every endpoint's secrets under the ring's current KEK; returns the versions still
    /// needed by any (one rotated by its tenant meanwhile keeps its own, current, version).
    private func resealWebhookSecrets(with ring: KeyRing) async throws -> Set<Int> {
        var needed: Set<Int> = []
        for stored in try await store.webhookSecrets() {
            let reseal = { (sealed: String) throws -> String in
                KeyRing.kekVersion(ofSealedSecret: sealed) == ring.current
                    ? sealed : try ring.seal(secret: try ring.open(secret: sealed, context: stored.endpointID), context: stored.endpointID)
            }
            let fresh = StoredWebhookSecrets(
                endpointID: stored.endpointID, secret: try reseal(stored.secret), previousSecret: try stored.previousSecret.map(reseal))
            var kept = stored
            if fresh != stored, try await store.replaceWebhookSecrets(stored, with: fresh) { kept = fresh }
            for sealed in [kept.secret] + (kept.previousSecret.map { [$0] } ?? []) {
                if let version = KeyRing.kekVersion(ofSealedSecret: sealed) { needed.insert(version) }
            }
        }
        return needed
    }

    /// Reseals every operator's authenticator secret under the current KEK; returns the versions
    /// still needed (a secret turned on meanwhile is sealed under the current one already).
    private func resealOperatorSecrets(with ring: KeyRing) async throws -> Set<Int> {
        var needed: Set<Int> = []
        for (operatorID, sealed) in try await store.operatorTOTPSecrets() {
            var kept = sealed
            if KeyRing.kekVersion(ofSealedSecret: sealed) != ring.current {
                let context = TwoStepSignIn.context(operatorID)
                let fresh = try ring.seal(secret: try ring.open(secret: sealed, context: context), context: context)
                if try await store.replaceOperatorTOTPSecret(operatorID: operatorID, old: sealed, new: fresh) { kept = fresh }
            }
            if let version = KeyRing.kekVersion(ofSealedSecret: kept) { needed.insert(version) }
        }
        return needed
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
