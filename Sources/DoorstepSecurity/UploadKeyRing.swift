import Foundation

/// The upload keys a server accepts: the current one, which couriers' pages fetch and seal to,
/// and the ones retired less than `grace` ago, for photos sealed before a rotation that still wait
/// in a phone's offline queue. A sealed body names its key (`SealedUpload.Key.id`), so the right
/// one is found without trying each.
///
/// Files in the key folder: `upload-key.key` (current) and `upload-key.retired-<unix seconds>.key`
/// for each retired key. `doorstep keys rotate-upload` rotates; every server sharing the folder
/// sees it within `refresh` (an unknown key id makes it look again at once).
public final class UploadKeyRing: Sendable {
    struct Keys: Sendable {
        var current: SealedUpload.Key
        var retired: [(key: SealedUpload.Key, retiredAt: Date)]
    }

    static let currentName = "upload-key.key"
    static let retiredPrefix = "upload-key.retired-"

    private let grace: TimeInterval
    private let now: @Sendable () -> Date
    private let keys: Reloading<Keys>

    public init(folder: String, grace: TimeInterval, refresh: Duration = .seconds(5), now: @escaping @Sendable () -> Date = Date.init) throws {
        _ = try SealedUpload.Key.loadOrCreate(folder: folder)  // the first start makes one
        (self.grace, self.now) = (grace, now)
        // An unknown key id reads the folder again every time: only a signed-in courier's upload
        // can ask (rate-limited), and refusing a photo sealed to a key just rotated in would make
        // the phone drop it.
        keys = try Reloading(interval: refresh) { try Self.read(folder: folder) }
    }

    /// The key pages seal new photos to.
    public var current: SealedUpload.Key { keys.get().current }

    /// Opens a sealed body with the key it names, if that key is current or retired within the grace.
    public func open(_ body: [UInt8], deliveryID: String) throws(SealedUpload.Invalid) -> [UInt8] {
        guard body.count > 12 else { throw SealedUpload.Invalid() }
        let id = Array(body[4..<12])
        let now = now()
        func find(_ keys: Keys) -> SealedUpload.Key? {
            if keys.current.id == id { return keys.current }
            return keys.retired.first { $0.key.id == id && now.timeIntervalSince($0.retiredAt) < grace }?.key
        }
        guard let key = find(keys.get()) ?? find(keys.get(force: true)) else { throw SealedUpload.Invalid() }
        return try key.open(body, deliveryID: deliveryID)
    }

    static func read(folder: String) throws -> Keys {
        guard let current = try KeyFile.load(at: folder + "/" + currentName) else {
            throw KeyFile.Error(description: "no upload key in \(folder)")
        }
        var retired: [(key: SealedUpload.Key, retiredAt: Date)] = []
        for (name, retiredAt) in retiredFiles(in: folder) {
            // One unreadable retired key (a wrong mode, a damaged file) costs that key, not the others.
            if let bytes = try? KeyFile.load(at: folder + "/" + name), let key = try? SealedUpload.Key(raw: bytes) {
                retired.append((key, retiredAt))
            }
        }
        return Keys(current: try SealedUpload.Key(raw: current), retired: retired)
    }

    /// `upload-key.retired-<seconds>.key` files and when each was retired.
    static func retiredFiles(in folder: String) -> [(name: String, retiredAt: Date)] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).compactMap { name in
            guard name.hasPrefix(retiredPrefix), name.hasSuffix(".key"),
                  let seconds = Int(name.dropFirst(retiredPrefix.count).dropLast(4)) else { return nil }
            return (name, Date(timeIntervalSince1970: TimeInterval(seconds)))
        }
    }

    public struct Rotation: Sendable {
        /// The new current key's id (base64url, as `/api/v1/courier/upload-key` gives it).
        public var currentID: String
        /// Retired keys still accepted, and until when (the latest).
        public var stillAccepted: Int
        public var acceptedUntil: Date?
        /// Retired keys past the grace, deleted.
        public var deleted: Int
    }

    /// Makes a new current key; the old one stays accepted for `grace`. Each step leaves a state a
    /// server may read: the new key is written aside, the old one gets its retired name as a
    /// second link, then the new one takes the current name in one rename.
    public static func rotate(folder: String, grace: TimeInterval, now: Date = Date()) throws -> Rotation {
        try KeyFile.whileRotating(in: folder) { try rotateLocked(folder: folder, grace: grace, now: now) }
    }

    private static func rotateLocked(folder: String, grace: TimeInterval, now: Date) throws -> Rotation {
        _ = try SealedUpload.Key.loadOrCreate(folder: folder)  // a folder without one gets one, then rotates it
        let currentPath = folder + "/" + currentName
        let retiredPath = folder + "/" + retiredPrefix + "\(Int(now.timeIntervalSince1970)).key"
        guard link(currentPath, retiredPath) == 0 else {
            throw KeyFile.Error(description: errno == EEXIST ? "the upload key was rotated less than a second ago" : "cannot keep the old upload key at \(retiredPath)")
        }
        let new = SealedUpload.Key()
        try KeyFile.replace(at: currentPath, with: new.rawRepresentation)
        var deleted = 0, accepted: [Date] = []
        for (name, retiredAt) in retiredFiles(in: folder) {
            if now.timeIntervalSince(retiredAt) >= grace {
                try FileManager.default.removeItem(atPath: folder + "/" + name)
                deleted += 1
            } else {
                accepted.append(retiredAt.addingTimeInterval(grace))
            }
        }
        return Rotation(currentID: Base64URL.encode(new.id), stillAccepted: accepted.count, acceptedUntil: accepted.max(), deleted: deleted)
    }
}
