import Crypto
import Foundation

/// Server secrets kept as files under the data directory, created on first run with mode 0600.
public enum KeyFile {
    public struct Error: Swift.Error, CustomStringConvertible {
        public var description: String
    }

    /// Loads a 256-bit key from `path`, creating it (and its folder, 0700) when absent.
    public static func loadOrCreate(at path: String) throws -> SymmetricKey {
        SymmetricKey(data: try loadOrCreateBytes(at: path) { SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) } })
    }

    /// Loads 32 secret bytes from `path`, or stores fresh ones from `generate` when absent.
    public static func loadOrCreateBytes(at path: String, generate: () -> Data) throws -> Data {
        if let data = try load(at: path) { return data }
        let bytes = generate()
        let temporary = try writeAside(bytes, for: path)
        // link() refuses to replace an existing file: if another process created the key first,
        // use theirs rather than overwrite a key that may already have signed links.
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        if link(temporary, path) != 0 {
            if let data = FileManager.default.contents(atPath: path), data.count == 32 { return data }
            throw Error(description: "cannot create key file \(path)")
        }
        return bytes
    }

    /// The 32 secret bytes at `path`, nil when there is no such file; refused when the file is
    /// the wrong size or readable by others.
    public static func load(at path: String) throws -> Data? {
        let manager = FileManager.default
        guard let data = manager.contents(atPath: path) else { return nil }
        guard data.count == 32 else { throw Error(description: "key file \(path) is not 32 bytes") }
        let attributes = try manager.attributesOfItem(atPath: path)
        if let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0 {
            throw Error(description: "key file \(path) is readable by others (mode \(String(mode, radix: 8))); chmod 600 it")
        }
        return data
    }

    /// Replaces the key at `path` with `bytes` in one step (rename), for rotation: readers see the
    /// old key or the new one, never a half-written file.
    public static func replace(at path: String, with bytes: Data) throws {
        let temporary = try writeAside(bytes, for: path)
        guard rename(temporary, path) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw Error(description: "cannot replace key file \(path)")
        }
    }

    /// Writes `bytes` to a temporary name beside `path`, 0600 from the start (never a moment when
    /// the key sits in a world-readable or half-written file) and synced to disk before it is
    /// linked or renamed into place, creating the folder (0700).
    private static func writeAside(_ bytes: Data, for path: String) throws -> String {
        let manager = FileManager.default
        let folder = (path as NSString).deletingLastPathComponent
        try manager.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temporary = path + temporaryMark + UUID().uuidString
        guard manager.createFile(atPath: temporary, contents: bytes, attributes: [.posixPermissions: 0o600]) else {
            throw Error(description: "cannot write key file \(path)")
        }
        let file = open(temporary, O_RDONLY)
        defer { if file >= 0 { close(file) } }
        guard file >= 0, fsync(file) == 0 else {
            try? manager.removeItem(atPath: temporary)
            throw Error(description: "cannot sync key file \(path)")
        }
        return temporary
    }

    private static let temporaryMark = ".tmp-"

    /// Runs a rotation holding the folder's rotation lock (two at once would lose each other's
    /// retired keys), and first removes temporary files a crashed writer left: one may be a
    /// second name of a key being rotated away.
    public static func whileRotating<T>(in folder: String, _ body: () throws -> T) throws -> T {
        let manager = FileManager.default
        try manager.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let lock = open(folder + "/.rotation.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw Error(description: "cannot open \(folder)/.rotation.lock") }
        defer { close(lock) }
        guard flock(lock, LOCK_EX) == 0 else { throw Error(description: "cannot lock \(folder)/.rotation.lock") }
        // Older than a minute: a server starting for the first time writes one for a moment.
        for name in (try? manager.contentsOfDirectory(atPath: folder)) ?? [] where name.contains(temporaryMark) {
            let path = folder + "/" + name
            if let modified = (try? manager.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
               modified.timeIntervalSinceNow < -60 {
                try? manager.removeItem(atPath: path)
            }
        }
        return try body()
    }
}
