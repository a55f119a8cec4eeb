import Crypto
import Foundation
import NIOCore

/// What an Idempotency-Key is bound to: the operation and the body, byte for byte. The same key
/// with another body is a mistake the client hears about (`idempotency-key-reused`), never a replay.
enum RequestFingerprint {
    static func of(_ operation: String, _ body: ByteBuffer) -> String {
        var hash = SHA256()
        hash.update(data: Array(operation.utf8) + [0])
        hash.update(data: Array(body.readableBytesView))
        return hash.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
