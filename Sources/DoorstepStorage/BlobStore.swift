import DoorstepCore
import Foundation

/// Where image bytes live: local disk (embedded default) or S3 (scale-out). Keys are our own
/// (`photos/<photo id>/<variant>.jpg`), never user input.
public protocol BlobStore: Sendable {
    /// Stores the whole object durably before returning; replaces any object with that key.
    func put(_ key: String, bytes: [UInt8]) async throws
    /// The object's bytes, or nil when there is none.
    func get(_ key: String) async throws -> [UInt8]?
    /// Removes the object; removing a missing one is not an error.
    func delete(_ key: String) async throws
    /// Objects whose key starts with `prefix`, with their last modification time.
    func list(prefix: String) async throws -> [BlobListing]
    func ping() async throws
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

    /// The photo id in a key made by `photoVariant`, or nil for anything else.
    public static func photoID(in key: String) -> String? {
        let parts = key.split(separator: "/")
        guard parts.count == 3, parts[0] == "photos", Identifier.isValid(String(parts[1])),
              Photo.VariantKind.allCases.contains(where: { "\($0.rawValue).jpg" == parts[2] })
        else { return nil }
        return String(parts[1])
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
