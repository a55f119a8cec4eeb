import Crypto
import DoorstepCore
import Foundation

/// AWS Signature Version 4 (header form). Proven byte for byte against AWS's published test
/// suite (Tests/DoorstepStorageTests/SigV4Tests.swift); S3 uses it with `normalizePath: false`
/// and a signed `x-amz-content-sha256`.
public struct SigV4Signer: Sendable {
    public struct Credentials: Sendable {
        public var accessKeyID: String
        public var secretAccessKey: String
        public var sessionToken: String?

        public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
            self.accessKeyID = accessKeyID
            self.secretAccessKey = secretAccessKey
            self.sessionToken = sessionToken
        }
    }

    public var credentials: Credentials
    public var region: String
    public var service: String
    /// Remove `.`/`..` segments and repeated slashes from the path before signing (every service
    /// but S3, whose keys may contain them).
    public var normalizePath: Bool

    public init(credentials: Credentials, region: String, service: String, normalizePath: Bool) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.normalizePath = normalizePath
    }

    public struct Signed: Sendable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signature: String
        /// Headers to add to the request: x-amz-date, the token, the payload hash if asked, Authorization.
        public var headers: [(String, String)]
    }

    public static let emptyPayloadHash = SHA256.hash(data: Data()).hex

    /// Signs a request. `path` and `query` are as they appear on the request line (unencoded or
    /// percent-encoded); `headers` must include Host.
    public func sign(
        method: String, path: String, query: String?, headers: [(String, String)], payloadHash: String,
        date: Date, signPayloadHeader: Bool, signSessionToken: Bool = true
    ) -> Signed {
        let amzDate = Self.timestamp(date)
        let day = String(amzDate.prefix(8))
        var added: [(String, String)] = [("X-Amz-Date", amzDate)]
        if signPayloadHeader { added.append(("x-amz-content-sha256", payloadHash)) }
        if let token = credentials.sessionToken, signSessionToken { added.append(("X-Amz-Security-Token", token)) }

        // Lower-case names, trimmed values with inner runs of spaces folded; repeated names joined by commas.
        var canonical: [String: [String]] = [:]
        for (name, value) in headers + added {
            let folded = value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")
            canonical[name.lowercased(), default: []].append(folded)
        }
        let names = canonical.keys.sorted()
        let signedHeaders = names.joined(separator: ";")
        let canonicalHeaders = names.map { "\($0):\(canonical[$0]!.joined(separator: ","))\n" }.joined()
        let canonicalRequest = [
            method.uppercased(), canonicalURI(path), Self.canonicalQuery(query), canonicalHeaders, signedHeaders, payloadHash,
        ].joined(separator: "\n")

        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, SHA256.hash(data: Data(canonicalRequest.utf8)).hex].joined(separator: "\n")
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        let signature = Hex.encode(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
        // Some services (STS) want the token sent but left out of the signature.
        if let token = credentials.sessionToken, !signSessionToken { added.append(("X-Amz-Security-Token", token)) }
        added.append(("Authorization",
                      "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"))
        return Signed(canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature, headers: added)
    }

    func canonicalURI(_ path: String) -> String {
        var segments = (path.removingPercentEncoding ?? path).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if normalizePath {
            var kept: [String] = []
            for segment in segments.dropFirst() {
                switch segment {
                case "", ".": continue
                case "..": _ = kept.popLast()
                default: kept.append(segment)
                }
            }
            let trailing = path.hasSuffix("/") && !kept.isEmpty
            segments = [""] + kept + (trailing ? [""] : [])
            if kept.isEmpty { return "/" }
        }
        let encoded = segments.map { Self.encode($0) }.joined(separator: "/")
        return encoded.isEmpty ? "/" : encoded
    }

    static func canonicalQuery(_ query: String?) -> String {
        guard let query, !query.isEmpty else { return "" }
        var pairs: [(name: String, value: String)] = []
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let name = parts[0].removingPercentEncoding ?? parts[0]
            let value = parts.count > 1 ? (parts[1].removingPercentEncoding ?? parts[1]) : ""
            pairs.append((encode(name), encode(value)))
        }
        pairs.sort { $0.name == $1.name ? $0.value < $1.value : $0.name < $1.name }
        return pairs.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters.
    static func encode(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                result.append(Character(Unicode.Scalar(byte)))
            default:
                result += String(format: "%%%02X", byte)
            }
        }
        return result
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }
}

extension Digest {
    var hex: String { Hex.encode(self) }
}
