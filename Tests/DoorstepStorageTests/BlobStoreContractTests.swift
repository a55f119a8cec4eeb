import Foundation
import Testing

@testable import DoorstepStorage

enum BlobEngine: String, CaseIterable, Sendable {
    case disk

    func makeStore() throws -> any BlobStore {
        switch self {
        case .disk:
            try DiskBlobStore(root: URL(fileURLWithPath: NSTemporaryDirectory() + "doorstep-blobs-\(UUID().uuidString)"))
        }
    }
}

@Suite struct BlobStoreContractTests {
    let key = "photos/956ed28a-8a65-4e20-876f-9bddeab8077c/display.jpg"

    @Test(arguments: BlobEngine.allCases)
    func putGetReplaceDelete(_ engine: BlobEngine) async throws {
        let blobs = try engine.makeStore()
        #expect(try await blobs.get(key) == nil)
        try await blobs.put(key, bytes: [1, 2, 3])
        #expect(try await blobs.get(key) == [1, 2, 3])
        try await blobs.put(key, bytes: Array(repeating: 7, count: 100_000))
        #expect(try await blobs.get(key)?.count == 100_000)
        try await blobs.delete(key)
        #expect(try await blobs.get(key) == nil)
        try await blobs.delete(key)  // deleting a missing blob is fine
        try await blobs.ping()
    }

    @Test(arguments: BlobEngine.allCases)
    func listingByPrefixShowsOnlyWholeObjects(_ engine: BlobEngine) async throws {
        let blobs = try engine.makeStore()
        try await blobs.put(key, bytes: [1])
        try await blobs.put("photos/956ed28a-8a65-4e20-876f-9bddeab8077c/thumbnail.jpg", bytes: [2])
        try await blobs.put("other/x.jpg", bytes: [3])
        let listed = try await blobs.list(prefix: "photos/").map(\.key)
        #expect(listed == [key, "photos/956ed28a-8a65-4e20-876f-9bddeab8077c/thumbnail.jpg"])
    }

    @Test(arguments: BlobEngine.allCases)
    func keysCannotEscapeTheStore(_ engine: BlobEngine) async throws {
        let blobs = try engine.makeStore()
        for bad in ["../x", "/etc/passwd", "photos/../../x", "a b", "", "photos/./x"] {
            await #expect(throws: BlobStoreError.self) { try await blobs.put(bad, bytes: [1]) }
        }
    }

    @Test func photoIDsAreReadOnlyFromVariantKeys() {
        #expect(BlobKey.photoID(in: key) == "956ed28a-8a65-4e20-876f-9bddeab8077c")
        #expect(BlobKey.photoID(in: "photos/956ed28a-8a65-4e20-876f-9bddeab8077c/.tmp-1") == nil)
        #expect(BlobKey.photoID(in: "photos/nope/display.jpg") == nil)
    }
}
