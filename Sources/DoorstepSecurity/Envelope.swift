import Crypto
import DoorstepCore
import Foundation
import Synchronization

/// Envelope encryption for photo blobs. Each photo has its own 256-bit data key; each variant is
/// sealed with AES-256-GCM under it, bound to its blob key (so blobs cannot be swapped); the data
/// key is kept only wrapped by a key-encryption key (KEK) from the key ring, bound to the photo id.
public struct DataKey: Sendable {
    fileprivate let bytes: [UInt8]

    public static func generate() -> DataKey {
        DataKey(bytes: SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }

    /// Blob layout: "DSE1" then the AES-GCM combined box (12-byte nonce, ciphertext, 16-byte tag).
    public func seal(_ plaintext: [UInt8], boundTo context: String) throws -> [UInt8] {
        let box = try AES.GCM.seal(plaintext, using: SymmetricKey(data: bytes), authenticating: Data(context.utf8))
        guard let combined = box.combined else { throw EnvelopeError.sealFailed }
        return Array(Self.magic.utf8) + Array(combined)
    }

    public func open(_ blob: [UInt8], boundTo context: String) throws -> [UInt8] {
        guard blob.count > 4 + 12 + 16, Array(blob.prefix(4)) == Array(Self.magic.utf8) else { throw EnvelopeError.notSealed }
        let box = try AES.GCM.SealedBox(combined: blob.dropFirst(4))
        return Array(try AES.GCM.open(box, using: SymmetricKey(data: bytes), authenticating: Data(context.utf8)))
    }

    static let magic = "DSE1"
}

public enum EnvelopeError: Error, Sendable {
    case sealFailed
    case notSealed
    case unknownKEK(version: Int)
    case noKeyFiles
}

/// The key-encryption keys, one file each (`kek-0001.key`, …, mode 0600) in the keys folder. The
/// highest version wraps new data keys; older ones are kept only until rotation has rewrapped
/// every data key they sealed.
public struct KeyRing: Sendable {
    private let keys: [Int: [UInt8]]
    public let current: Int
    public let folder: String

    public var versions: [Int] { keys.keys.sorted() }

    /// Loads every KEK in `folder`, creating the first one on first run.
    public static func load(folder: String) throws -> KeyRing {
        var keys: [Int: [UInt8]] = [:]
        for version in try existingVersions(in: folder) {
            keys[version] = try KeyFile.loadOrCreate(at: path(folder, version)).withUnsafeBytes { Array($0) }
        }
        if keys.isEmpty {
            keys[1] = try KeyFile.loadOrCreate(at: path(folder, 1)).withUnsafeBytes { Array($0) }
        }
        return KeyRing(keys: keys, current: keys.keys.max()!, folder: folder)
    }

    /// Adds a new KEK version and returns the ring with it as current. Existing data keys stay
    /// wrapped by their old KEK until `rewrap` moves them.
    public func addingVersion() throws -> KeyRing {
        let next = current + 1
        var keys = self.keys
        keys[next] = try KeyFile.loadOrCreate(at: Self.path(folder, next)).withUnsafeBytes { Array($0) }
        return KeyRing(keys: keys, current: next, folder: folder)
    }

    /// Deletes the file of a KEK no data key depends on any more.
    public func retire(version: Int) throws {
        precondition(version != current, "the current KEK cannot be retired")
        try FileManager.default.removeItem(atPath: Self.path(folder, version))
    }

    public func wrap(_ dataKey: DataKey, photoID: String) throws -> WrappedDataKey {
        let box = try AES.GCM.seal(dataKey.bytes, using: try kek(current), authenticating: Data("photo|\(photoID)".utf8))
        guard let combined = box.combined else { throw EnvelopeError.sealFailed }
        return WrappedDataKey(kekVersion: current, sealed: combined.base64EncodedString())
    }

    public func unwrap(_ wrapped: WrappedDataKey, photoID: String) throws -> DataKey {
        guard let combined = Data(base64Encoded: wrapped.sealed) else { throw EnvelopeError.notSealed }
        let box = try AES.GCM.SealedBox(combined: combined)
        let bytes = try AES.GCM.open(box, using: try kek(wrapped.kekVersion), authenticating: Data("photo|\(photoID)".utf8))
        return DataKey(bytes: Array(bytes))
    }

    /// The same data key, wrapped by the current KEK.
    public func rewrap(_ wrapped: WrappedDataKey, photoID: String) throws -> WrappedDataKey {
        try wrap(try unwrap(wrapped, photoID: photoID), photoID: photoID)
    }

    /// A small secret kept in the database (a webhook's signing secret) sealed by the current KEK
    /// and bound to `context` (its owner's id): `dss1:VERSION:BASE64`. A copy of the database alone
    /// no longer lets anyone sign as the server.
    public func seal(secret: String, context: String) throws -> String {
        let box = try AES.GCM.seal(Array(secret.utf8), using: try kek(current), authenticating: Data("secret|\(context)".utf8))
        guard let combined = box.combined else { throw EnvelopeError.sealFailed }
        return "\(Self.sealedSecretPrefix)\(current):\(combined.base64EncodedString())"
    }

    /// The secret `seal` sealed; a value without the prefix is one stored before secrets were
    /// sealed, returned as it is (rotation seals it).
    public func open(secret sealed: String, context: String) throws -> String {
        guard let version = Self.kekVersion(ofSealedSecret: sealed) else { return sealed }
        let parts = sealed.split(separator: ":", maxSplits: 2)
        guard parts.count == 3, let combined = Data(base64Encoded: String(parts[2])) else { throw EnvelopeError.notSealed }
        let bytes = try AES.GCM.open(try AES.GCM.SealedBox(combined: combined), using: try kek(version),
                                     authenticating: Data("secret|\(context)".utf8))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The KEK version a sealed secret needs; nil for one stored unsealed.
    public static func kekVersion(ofSealedSecret sealed: String) -> Int? {
        guard sealed.hasPrefix(sealedSecretPrefix) else { return nil }
        return sealed.dropFirst(sealedSecretPrefix.count).split(separator: ":", maxSplits: 1).first.flatMap { Int($0) }
    }

    static let sealedSecretPrefix = "dss1:"

    private func kek(_ version: Int) throws -> SymmetricKey {
        guard let bytes = keys[version] else { throw EnvelopeError.unknownKEK(version: version) }
        return SymmetricKey(data: bytes)
    }

    private static func path(_ folder: String, _ version: Int) -> String {
        "\(folder)/kek-\(String(format: "%04d", version)).key"
    }

    private static func existingVersions(in folder: String) throws -> [Int] {
        guard FileManager.default.fileExists(atPath: folder) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: folder).compactMap { name in
            guard name.hasPrefix("kek-"), name.hasSuffix(".key") else { return nil }
            return Int(name.dropFirst(4).dropLast(4))
        }.sorted()
    }
}

/// The key ring as the server uses it: checked against the keys folder before wrapping (so a KEK
/// added by `doorstep keys rotate` in another process is used at once) and re-read when a data key
/// names a KEK version it has not loaded yet.
public final class KeyRingStore: Sendable {
    private let folder: String
    private let ring: Mutex<(ring: KeyRing, loadedAt: FolderStamp?)>

    public init(folder: String) throws {
        self.folder = folder
        let stamp = FolderStamp(folder)
        self.ring = Mutex((try KeyRing.load(folder: folder), stamp))
    }

    public var current: KeyRing { ring.withLock { $0.ring } }

    public func reload() throws -> KeyRing {
        let stamp = FolderStamp(folder)  // taken first: a change during the load is seen next time
        let fresh = try KeyRing.load(folder: folder)
        ring.withLock { $0 = (fresh, stamp) }
        return fresh
    }

    public func wrap(_ dataKey: DataKey, photoID: String) throws -> WrappedDataKey {
        try upToDate().wrap(dataKey, photoID: photoID)
    }

    public func unwrap(_ wrapped: WrappedDataKey, photoID: String) throws -> DataKey {
        do {
            return try current.unwrap(wrapped, photoID: photoID)
        } catch EnvelopeError.unknownKEK {
            return try reload().unwrap(wrapped, photoID: photoID)
        }
    }

    public func seal(secret: String, context: String) throws -> String {
        try upToDate().seal(secret: secret, context: context)
    }

    public func open(secret sealed: String, context: String) throws -> String {
        do {
            return try current.open(secret: sealed, context: context)
        } catch EnvelopeError.unknownKEK {
            return try reload().open(secret: sealed, context: context)
        }
    }

    /// The ring as loaded, unless the keys folder changed since: adding or retiring a KEK file
    /// changes the folder's modification time. One stat per upload instead of listing the folder
    /// and reading and checking every key file (that was 0.3 ms of each upload's CPU).
    private func upToDate() throws -> KeyRing {
        let stamp = FolderStamp(folder)
        if let stamp, let ring = ring.withLock({ $0.loadedAt == stamp ? $0.ring : nil }) { return ring }
        return try reload()
    }
}

/// What changes when a file is added to or removed from a folder.
struct FolderStamp: Equatable, Sendable {
    let seconds: Int, nanoseconds: Int, inode: UInt

    init?(_ path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        seconds = Int(info.st_mtim.tv_sec)
        nanoseconds = Int(info.st_mtim.tv_nsec)
        inode = UInt(info.st_ino)
    }
}

extension KeyRing: Redacted {}
extension DataKey: Redacted {}
