import Crypto
import Foundation

/// Standard Webhooks signatures (standardwebhooks.com): `webhook-id`, `webhook-timestamp` and
/// `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, with secrets written
/// `whsec_<base64 key>`. During a rotation both secrets sign, space-separated.
public enum WebhookSigner {
    public static func newSecret() -> String {
        "whsec_" + SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
    }

    public static func signature(secret: String, id: String, timestamp: Int, body: [UInt8]) -> String? {
        guard secret.hasPrefix("whsec_"), let key = Data(base64Encoded: String(secret.dropFirst(6))) else { return nil }
        var message = Data("\(id).\(timestamp).".utf8)
        message.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key))
        return "v1," + Data(mac).base64EncodedString()
    }

    /// The headers of one delivery attempt.
    public static func headers(secrets: [String], id: String, timestamp: Int, body: [UInt8]) -> [(String, String)] {
        let signatures = secrets.compactMap { signature(secret: $0, id: id, timestamp: timestamp, body: body) }
        return [("webhook-id", id), ("webhook-timestamp", String(timestamp)), ("webhook-signature", signatures.joined(separator: " "))]
    }
}
