import DoorstepCore
import Foundation
import Hummingbird

/// An RFC 9457 problem. `type` is a stable relative URI reference per kind of problem (listed in
/// README.md); clients branch on it, never on `title` or `detail`.
struct Problem: Encodable, Sendable {
    var type: String
    var title: String
    var status: Int
    var detail: String
    var field: String?
    var limit: Int?
    var reason: String?
    var issues: [QualityIssue]?
    /// Seconds before a retry can succeed (also sent as Retry-After).
    var retryAfter: Int?
    /// Every failing item of a batch.
    var errors: [BatchItemError]?

    enum CodingKeys: String, CodingKey {
        case type, title, status, detail, field, limit, reason, issues, retryAfter = "retry_after", errors
    }

    init(slug: String, title: String, status: HTTPResponse.Status, detail: String, field: String? = nil, limit: Int? = nil,
         reason: String? = nil, issues: [QualityIssue]? = nil, retryAfter: Int? = nil) {
        self.type = "/problems/\(slug)"
        self.title = title
        self.status = status.code
        self.detail = detail
        self.field = field
        self.limit = limit
        self.reason = reason
        self.issues = issues
        self.retryAfter = retryAfter
    }

    var httpStatus: HTTPResponse.Status { .init(code: status) }

    init(_ error: DoorstepError) {
        switch error {
        case .invalidInput(let field, let reason):
            self.init(slug: "invalid-input", title: "Invalid input", status: .unprocessableContent,
                      detail: "\(field) \(reason).", field: field)
        case .unauthenticated:
            self.init(slug: "unauthenticated", title: "Authentication required", status: .unauthorized,
                      detail: "Send valid credentials as an Authorization: Bearer token.")
        case .forbidden(let scope):
            self.init(slug: "forbidden", title: "Forbidden", status: .forbidden,
                      detail: "These credentials (an API key's scopes, or an operator's role) do not allow this: it needs the \(scope.rawValue) scope.",
                      reason: scope.rawValue)
        case .crossSiteRequest:
            self.init(slug: "cross-site-request", title: "Forbidden", status: .forbidden,
                      detail: "A change made with a console session needs the console's anti-forgery token (X-CSRF-Token) and must come from the console itself.")
        case .notFound:
            self.init(slug: "not-found", title: "Not found", status: .notFound, detail: "There is nothing here that you can see.")
        case .linkInvalid:
            self.init(slug: "link-invalid", title: "Link not valid", status: .notFound,
                      detail: "This link is not valid. Use the link from your notification exactly as sent.")
        case .linkExpired:
            self.init(slug: "link-expired", title: "Link expired", status: .gone, detail: "This link has expired.")
        case .conflict(let reason):
            self.init(slug: "conflict", title: "Conflict", status: .conflict, detail: reason.prefix(1).uppercased() + reason.dropFirst() + ".")
        case .batchInvalid(let errors):
            self.init(slug: "batch-invalid", title: "Batch invalid", status: .unprocessableContent,
                      detail: "\(errors.count) of the deliveries failed their checks, so none was created. Fix them and send the batch again.")
            self.errors = errors
        case .idempotencyKeyReused:
            self.init(slug: "idempotency-key-reused", title: "Idempotency-Key reused", status: .unprocessableContent,
                      detail: "This Idempotency-Key was already used for a different request.", field: "Idempotency-Key")
        case .unsupportedMediaType:
            self.init(slug: "unsupported-media-type", title: "Unsupported image type", status: .unsupportedMediaType,
                      detail: "Send a JPEG, PNG, HEIC or WebP photo as the request body.")
        case .payloadTooLarge(let limit):
            self.init(slug: "payload-too-large", title: "Request body too large", status: .contentTooLarge,
                      detail: "The request body is larger than \(limit) bytes.", limit: limit)
        case .tooManyPixels(let limit):
            self.init(slug: "too-many-pixels", title: "Image too large", status: .contentTooLarge,
                      detail: "The image has more than \(limit) pixels.", limit: limit)
        case .undecodableImage:
            self.init(slug: "undecodable-image", title: "Image cannot be read", status: .unprocessableContent,
                      detail: "The upload looks like an image but is damaged or incomplete. Take the photo again.")
        case .photoNotAllowed(let reason):
            let why = switch reason {
            case .optedOut: "The recipient asked for no photos of their deliveries."
            case .consentRequired: "Photos need the recipient's consent in this region, and they have not given it."
            case .photosOff: "Photos are turned off for this region."
            case .deletedByCustomer: "The customer deleted this delivery's photo."
            case .heldByCase: "An open case holds this delivery's photo; it can be retaken once the case is resolved."
            }
            self.init(slug: "photo-not-allowed", title: "No photo for this delivery", status: .conflict,
                      detail: reason == .heldByCase ? why : why + " Deliver without a photo.", reason: reason.rawValue)
        case .photoUnusable(let issues):
            self.init(slug: "photo-unusable", title: "Photo unusable", status: .unprocessableContent,
                      detail: "The photo is \(issues.map { $0.rawValue.replacingOccurrences(of: "_", with: " ") }.joined(separator: " and ")). Take it again.",
                      issues: issues)
        case .sealedUploadInvalid:
            self.init(slug: "sealed-upload-invalid", title: "Sealed upload cannot be opened", status: .badRequest,
                      detail: "The encrypted upload is damaged, was sealed for another key, or belongs to another delivery. Fetch the current upload key and send it again.")
        case .captureNotFresh(let freshness):
            self.init(slug: "capture-not-fresh", title: "Photo not taken at the door now", status: .unprocessableContent,
                      detail: "This photo does not come from a valid capture ticket for this stop (\(freshness.rawValue)). Tap Delivered again and take a new photo.",
                      reason: freshness.rawValue)
        case .peopleInFrame(let redaction):
            self.init(slug: "people-in-frame", title: "Someone in the photo", status: .unprocessableContent,
                      detail: "The photo shows \(Self.seen(redaction)). Take it again with only the parcel and the door in the frame. Nothing was stored.",
                      reason: "people_in_frame")
        case .incompleteUpload:
            self.init(slug: "incomplete-upload", title: "Upload incomplete", status: .badRequest,
                      detail: "The upload ended before all of it arrived. Send it again with the same Idempotency-Key.")
        case .overloaded:
            self.init(slug: "overloaded", title: "Busy", status: .serviceUnavailable,
                      detail: "The server is at capacity. Retry in a few seconds with the same Idempotency-Key.")
        case .storageFull:
            self.init(slug: "storage-full", title: "Storage full", status: .serviceUnavailable,
                      detail: "The server has no room for photos right now. The photo stays on the phone's queue; retry later with the same Idempotency-Key.")
        case .limitReached(let resource, let limit):
            self.init(slug: "limit-reached", title: "Limit reached", status: .conflict,
                      detail: "At most \(limit) \(resource).", limit: limit)
        case .tooManyAttempts(let seconds):
            self.init(slug: "too-many-attempts", title: "Too many attempts", status: .tooManyRequests,
                      detail: "Too many wrong passwords for this account. Try again in \(seconds / 60 + 1) minutes.", retryAfter: seconds)
        case .rateLimited(let seconds):
            self.init(slug: "rate-limited", title: "Too many requests", status: .tooManyRequests,
                      detail: "This was asked too often. Try again in \(seconds) seconds.", retryAfter: seconds)
        case .codeRequired:
            self.init(slug: "code-required", title: "Code required", status: .unauthorized,
                      detail: "This account signs in in two steps: send the six-digit code from the authenticator app with the password (`code`).")
        case .uploadTooSlow(let rate):
            self.init(slug: "upload-too-slow", title: "Upload too slow", status: .requestTimeout,
                      detail: "The upload arrived slower than \(rate / 1024) KB a second. Send it again with the same Idempotency-Key on a better connection.")
        }
    }

    /// "someone (found: a face, a person)": what `people-in-frame` saw, in counts only (one person
    /// whose face was found too counts in both).
    static func seen(_ redaction: Redaction) -> String {
        func count(_ n: Int, _ one: String, _ many: String) -> String? { n == 0 ? nil : n == 1 ? "a \(one)" : "\(n) \(many)" }
        return "someone (found: " + [count(redaction.faces, "face", "faces"), count(redaction.people, "person", "people")]
            .compactMap { $0 }.joined(separator: ", ") + ")"
    }

    func response() throws -> Response {
        var headers: HTTPFields = [:]
        if status == 503 { headers[.retryAfter] = "5" }
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if status == 401 { headers[.wwwAuthenticate] = "Bearer" }
        return try JSONResponse.make(self, status: httpStatus, contentType: "application/problem+json", headers: headers)
    }
}
