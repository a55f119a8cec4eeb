import Foundation

/// How Doorstep writes JSON for others to read (API responses, webhook bodies, receipts'
/// neighbours): ISO 8601 dates, sorted keys, slashes unescaped. One definition, so a webhook body
/// and the API's answer for the same delivery agree byte for byte in their shared fields.
public enum APIJSON {
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
