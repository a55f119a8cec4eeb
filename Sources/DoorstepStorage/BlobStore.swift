import DoorstepCore
import Foundation

/// Where image bytes live: local disk (embedded default) or S3 (scale-out). Keys are our own
/// (`photos/<photo id>/<variant>.jpg`), never user input.
public protocol BlobStore: Sendable {
    /// Stores the whole object durably before returning; replaces any object with that key.
    func put(_ key: String, bytes: [UInt8]) async throws
    /// Stores several objects durably before returning, each as `put` would. Not atomic: when it
    /// throws, some may be stored; it returns only after every write has ended.
    func put(_ objects: [BlobObject]) async throws
    /// The object's bytes, or nil when there is none.
    func get(_ key: String) async throws -> [UInt8]?
    /// Removes the object; removing a missing one is not an error.
    func delete(_ key: String) async throws
    /// Objects whose key starts with `prefix`, with their last modification time.
    func list(prefix: String) async throws -> [BlobListing]
    func ping() async throws
}

public struct BlobObject: Sendable {
    public var key: String
    public var bytes: [UInt8]

    public init(key: String, bytes: [UInt8]) {
        self.key = key
        self.bytes = bytes
    }
}

extension BlobStore {
    /// All at once, each on its own: what a store whose writes are independent requests does (S3).
    public func put(_ objects: [BlobObject]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for object in objects {
                group.addTask { try await put(object.key, bytes: object.bytes) }
            }
            // A failure cancels the others, and the group still waits for every one to end.
            try await group.waitForAll()
        }
    }
}

public struct BlobListing: Sendable, Equatable {
    public var key: String
    public var modifiedAt: Date

    public init(key: String, modifiedAt: Date) {
        self.key = key
        self.modifiedAt = modifiedAt
    }
}

public enum BlobKey {
    public static func photoVariant(photoID: String, variant: Photo.VariantKind) -> String {
        "photos/\(photoID)/\(variant.rawValue).jpg"
    }

    /// The photo's proof thumbnail: its thumbnail resealed when the photo's time was up, one blob
    /// per sealing.
    public static func proofThumbnail(photoID: String, sealID: String) -> String {
        "photos/\(photoID)/proof-\(sealID).jpg"
    }

    /// The photo id in a key made by `photoVariant` or `proofThumbnail`, or nil for anything else.
    public static func photoID(in key: String) -> String? {
        let parts = key.split(separator: "/")
        guard parts.count == 3, parts[0] == "photos", Identifier.isValid(String(parts[1])),
              isProofName(parts[2]) || Photo.VariantKind.allCases.contains(where: { "\($0.rawValue).jpg" == parts[2] })
        else { return nil }
        return String(parts[1])
    }

    private static func isProofName(_ name: Substring) -> Bool {
        name.hasPrefix("proof-") && name.hasSuffix(".jpg") && Identifier.isValid(String(name.dropFirst(6).dropLast(4)))
    }

    /// Keys are a closed alphabet with no `..` segment, so they can never escape a root folder.
    static func isSafe(_ key: String) -> Bool {
        !key.isEmpty && key.count < 512 && !key.hasPrefix("/")
            && key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "/._-".contains($0)) }
            && !key.split(separator: "/").contains { $0 == ".." || $0 == "." }
    }
}

public struct BlobStoreError: Error, CustomStringConvertible {
    public var description: String
}
