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
        let manager = FileManager.default
        if let data = manager.contents(atPath: path) {
            guard data.count == 32 else { throw Error(description: "key file \(path) is not 32 bytes") }
            let attributes = try manager.attributesOfItem(atPath: path)
            if let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0 {
                throw Error(description: "key file \(path) is readable by others (mode \(String(mode, radix: 8))); chmod 600 it")
            }
            return data
        }
        let folder = (path as NSString).deletingLastPathComponent
        try manager.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let bytes = generate()
        // Write to a temporary name with 0600 from the start, then link it into place: never a moment when
        // the key sits in a world-readable or half-written file.
        let temporary = path + ".tmp-\(UUID().uuidString)"
        guard manager.createFile(atPath: temporary, contents: bytes, attributes: [.posixPermissions: 0o600]) else {
            throw Error(description: "cannot write key file \(path)")
        }
        // link() refuses to replace an existing file: if another process created the key first,
        // use theirs rather than overwrite a key that may already have signed links.
        defer { try? manager.removeItem(atPath: temporary) }
        if link(temporary, path) != 0 {
            if let data = manager.contents(atPath: path), data.count == 32 { return data }
            throw Error(description: "cannot create key file \(path)")
        }
        return bytes
    }
}
