import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// Validators for reads that integrators poll (a delivery, the settings, a receipt, the
/// API document, the published keys): the tag is a digest of the body, so it changes exactly
/// when the body does and needs no version column. A client that sends it back in
/// `If-None-Match` gets 304 and no body. The body is still built to compare it; what this saves
/// is the client's traffic and parsing, not our work.
enum EntityTag {
    static func of(_ body: some Sequence<UInt8>, weak: Bool = false) -> String {
        (weak ? "W/" : "") + "\"" + SHA256.hash(data: Array(body)).prefix(16).map { String(format: "%02x", $0) }.joined() + "\""
    }

    /// Whether `If-None-Match` names `tag` (RFC 9110 §13.1.2: weak comparison, `*` matches any).
    static func matches(_ ifNoneMatch: String?, _ tag: String) -> Bool {
        guard let ifNoneMatch else { return false }
        let opaque = { (value: Substring) -> Substring in
            let trimmed = Substring(value.trimmingCharacters(in: .whitespaces))
            return trimmed.hasPrefix("W/") ? trimmed.dropFirst(2) : trimmed
        }
        return ifNoneMatch.split(separator: ",").contains { opaque($0) == "*" || opaque($0) == opaque(Substring(tag)) }
    }

    /// `response` with its ETag, or a bodiless 304 carrying the same validator headers when the
    /// request already holds that version.
    /// `weak`: the tag stands for the resource's meaning, not its exact bytes (RFC 9110 §8.8.1).
    static func apply(to response: Response, body: [UInt8], request: Request, weak: Bool = false) -> Response {
        apply(to: response, tag: of(body, weak: weak), request: request)
    }

    static func apply(to response: Response, tag: String, request: Request) -> Response {
        guard response.status == .ok else { return response }
        var response = response
        response.headers[.eTag] = tag
        guard matches(request.headers[.ifNoneMatch], tag) else { return response }
        var headers: HTTPFields = [:]
        for name in [HTTPField.Name.eTag, .cacheControl, .vary] { headers[name] = response.headers[name] }
        return Response(status: .notModified, headers: headers)
    }
}
