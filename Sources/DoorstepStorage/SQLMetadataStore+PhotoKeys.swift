import DoorstepCore
import Foundation
import SQLKit

extension SQLMetadataStore {
    public func photoKeys(notWrappedBy version: Int, limit: Int) async throws -> [(photoID: String, key: WrappedDataKey)] {
        try await source.withConnection { db in
            try await db.raw("""
                SELECT id, wrapped_key, kek_version FROM photos
                WHERE wrapped_key IS NOT NULL AND kek_version <> \(bind: version) ORDER BY id LIMIT \(bind: limit)
                """).all(decoding: KeyRow.self, with: snakeCase).map { ($0.id, WrappedDataKey(kekVersion: $0.kekVersion, sealed: $0.wrappedKey)) }
        }
    }

    public func replacePhotoKey(photoID: String, old: WrappedDataKey, new: WrappedDataKey) async throws -> Bool {
        try await source.withWrite { db in
            // Only if nothing changed meanwhile: a photo deleted during rotation stays deleted.
            try await db.raw("""
                UPDATE photos SET wrapped_key = \(bind: new.sealed), kek_version = \(bind: new.kekVersion)
                WHERE id = \(bind: photoID) AND wrapped_key = \(bind: old.sealed) AND kek_version = \(bind: old.kekVersion)
                RETURNING id
                """).first() != nil
        }
    }

    public func kekVersionsInUse() async throws -> Set<Int> {
        try await source.withConnection { db in
            Set(try await db.raw("SELECT DISTINCT kek_version FROM photos WHERE wrapped_key IS NOT NULL").all()
                .map { try $0.decode(column: "kek_version", as: Int.self) })
        }
    }
}

struct KeyRow: Decodable {
    var id: String
    var wrappedKey: String
    var kekVersion: Int
}
