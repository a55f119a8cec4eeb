import DoorstepCore
import DoorstepSecurity
import DoorstepStorage
import Foundation

/// Opaque page cursors: "<created ms>.<id>" in base64url. Opaque so clients don't build them.
enum PageCursor {
    static func encode(_ cursor: DeliveryCursor) -> String {
        let raw = "\(Int64((cursor.createdAt.timeIntervalSince1970 * 1000).rounded())).\(cursor.id)"
        return Base64URL.encode(Array(raw.utf8))
    }

    static func decode(_ text: String) throws(DoorstepError) -> DeliveryCursor {
        guard let bytes = Base64URL.decode(text), let raw = String(bytes: bytes, encoding: .utf8) else {
            throw .invalidInput(field: "cursor", reason: "is not a cursor from a previous page")
        }
        let parts = raw.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let ms = Int64(parts[0]), Identifier.isValid(String(parts[1])) else {
            throw .invalidInput(field: "cursor", reason: "is not a cursor from a previous page")
        }
        return DeliveryCursor(createdAt: Date(timeIntervalSince1970: Double(ms) / 1000), id: String(parts[1]))
    }
}
