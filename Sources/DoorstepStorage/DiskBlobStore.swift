import DoorstepCore
import Foundation
import NIOPosix

/// Blobs as files under one root folder. A put writes a temporary file, fsyncs it and renames it
/// into place, so a reader sees the old object or the whole new one, never a torn write; a crash
/// leaves at most a `.tmp-` file, which `list` hides and the orphan sweep removes.
public struct DiskBlobStore: BlobStore {
    public let root: URL
    private let rootPath: String
    private let threadPool: NIOThreadPool

    public init(root: URL, threadPool: NIOThreadPool = .singleton) throws {
        self.root = root
        self.rootPath = root.path
        self.threadPool = threadPool
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    private func path(_ key: String) throws -> String {
        guard BlobKey.isSafe(key) else { throw BlobStoreError(description: "unsafe blob key") }
        // Joined as text: URL.appendingPathComponent asks the file system whether each is a folder.
        return rootPath + "/" + key
    }

    public func put(_ key: String, bytes: [UInt8]) async throws {
        try await put([BlobObject(key: key, bytes: bytes)])
    }

    /// One job on the I/O threads for all of them (a photo's variants share a folder): each file
    /// written, fsynced and renamed into place, then each folder synced once for all its renames.
    public func put(_ objects: [BlobObject]) async throws {
        let paths = try objects.map { try path($0.key) }
        try await threadPool.runIfActive {
            var folders: [String] = []
            for (path, object) in zip(paths, objects) {
                let folder = Self.parent(of: path)
                if !folders.contains(folder) {
                    try Self.makeFolder(folder)
                    folders.append(folder)
                }
                try Self.writeFile(object.bytes, to: path, in: folder)
            }
            for folder in folders { Self.syncDirectory(folder) }
        }
    }

    /// A temporary file, fsynced, then renamed over `path`: a reader sees the old file or the new one.
    private static func writeFile(_ bytes: [UInt8], to path: String, in folder: String) throws {
        let temporary = "\(folder)/.tmp-\(Identifier.random())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("cannot create blob file", errno) }
        let failed = writeAll(bytes, to: fd) ?? (fsync(fd) == 0 ? nil : errno)
        close(fd)
        let error = failed ?? (rename(temporary, path) == 0 ? nil : errno)
        if let error {
            unlink(temporary)
            throw failure("cannot write blob file", error)
        }
    }

    /// Writes all of `bytes` to `fd`; the errno of the write that failed, or nil.
    static func writeAll(_ bytes: [UInt8], to fd: Int32) -> Int32? {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += written
            }
            return nil
        }
    }

    /// A full disk (or a used-up quota) is an answer, `storageFull` (503 with Retry-After, the photo
    /// kept on the phone's queue), not an accident; anything else is the store's own failure.
    static func failure(_ what: String, _ code: Int32) -> any Error {
        code == ENOSPC || code == EDQUOT ? DoorstepError.storageFull : BlobStoreError(description: "\(what) (errno \(code))")
    }

    /// Creates `folder` and any missing parents, each new one synced into its parent: without that
    /// a crash could lose a new photo folder with the fsynced files in it.
    private static func makeFolder(_ folder: String) throws {
        if mkdir(folder, 0o700) == 0 {
            syncDirectory(parent(of: folder))
            return
        }
        switch errno {
        case EEXIST:
            return
        case ENOENT:
            try makeFolder(parent(of: folder))
            guard mkdir(folder, 0o700) == 0 || errno == EEXIST else { throw failure("cannot create blob folder", errno) }
            syncDirectory(parent(of: folder))
        default:
            throw failure("cannot create blob folder", errno)
        }
    }

    private static func parent(of path: String) -> String {
        (path as NSString).deletingLastPathComponent
    }

    public func get(_ key: String) async throws -> [UInt8]? {
        let path = try path(key)
        return try await threadPool.runIfActive {
            guard let data = FileManager.default.contents(atPath: path) else { return nil }
            return Array(data)
        }
    }

    public func delete(_ key: String) async throws {
        let path = try path(key)
        try await threadPool.runIfActive {
            if unlink(path) != 0 && errno != ENOENT {
                throw BlobStoreError(description: "cannot delete blob file (errno \(errno))")
            }
            // Drop the photo's folder once it is empty; failing because it isn't is fine.
            rmdir(Self.parent(of: path))
        }
    }

    /// Lists regular files, including abandoned `.tmp-` files (reported under their own name so the
    /// orphan sweep can remove them).
    public func list(prefix: String) async throws -> [BlobListing] {
        let root = self.root
        return try await threadPool.runIfActive {
            let manager = FileManager.default
            guard let walker = manager.enumerator(at: root, includingPropertiesForKeys: [.contentModificationDateKey, .isRegularFileKey]) else {
                return []
            }
            var listings: [BlobListing] = []
            let rootPath = root.standardizedFileURL.path + "/"
            for case let url as URL in walker {
                let values = try url.resourceValues(forKeys: [.contentModificationDateKey, .isRegularFileKey])
                guard values.isRegularFile == true else { continue }
                let key = String(url.standardizedFileURL.path.dropFirst(rootPath.count))
                guard key.hasPrefix(prefix) else { continue }
                listings.append(BlobListing(key: key, modifiedAt: values.contentModificationDate ?? .distantPast))
            }
            return listings.sorted { $0.key < $1.key }
        }
    }

    public func ping() async throws {
        guard FileManager.default.isWritableFile(atPath: root.path) else {
            throw BlobStoreError(description: "blob folder is not writable")
        }
    }

    /// Makes the rename itself durable.
    private static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }
}
