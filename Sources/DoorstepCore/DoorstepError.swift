/// Every failure a caller can act on. The server maps each case to one RFC 9457 problem type;
/// associated values never carry personal data, SQL or file paths.
public enum DoorstepError: Error, Sendable, Equatable {
    /// A field of a request is missing or malformed.
    case invalidInput(field: String, reason: String)
    /// No valid credentials were presented.
    case unauthenticated
    /// The API key is the tenant's but lacks the scope this needs (nothing about any object is
    /// revealed: the scope is checked before anything is looked up).
    case forbidden(needs: APIScope)
    /// Unknown, malformed or inaccessible id: all three look the same from outside.
    case notFound
    /// The link's signature is wrong, or it has expired.
    case linkInvalid
    case linkExpired
    /// The request conflicts with current state (e.g. an order reference already used).
    case conflict(reason: String)
    /// The same Idempotency-Key was sent with a different request.
    case idempotencyKeyReused
    /// Items of a batch failed their checks: every one of them, so nothing was created.
    case batchInvalid([BatchItemError])
    /// The upload is not an image format we accept.
    case unsupportedMediaType
    /// The upload is larger than the body limit (bytes) or the pixel limit.
    case payloadTooLarge(limit: Int)
    case tooManyPixels(limit: Int)
    /// The bytes claim to be an image but cannot be decoded.
    case undecodableImage
    /// The client stopped sending before the body was complete.
    case incompleteUpload
    /// The server is at capacity; retry later.
    case overloaded
    /// The data disk is below its free-space watermark: nothing new is stored until space is freed.
    case storageFull
    /// A bounded thing would pass its bound: `limit` of `resource` (webhook endpoints of a tenant,
    /// open problem reports of a delivery, unused capture tickets of a courier).
    case limitReached(resource: String, limit: Int)
    /// Too many failed attempts (sign-in): refused until `retryAfter` seconds have passed.
    case tooManyAttempts(retryAfter: Int)
    /// The same thing asked too often (uploads, tickets, a link's actions): wait `retryAfter` seconds.
    case rateLimited(retryAfter: Int)
    /// An upload body that arrives slower than the server's minimum rate (bytes a second).
    case uploadTooSlow(minimumRate: Int)
    /// This delivery may not be photographed (recipient opted out, consent missing, region off).
    case photoNotAllowed(PhotoPolicy.Reason)
    /// The photo is too dark, blurred or small, and the tenant refuses such photos.
    case photoUnusable([QualityIssue])
    /// A sealed (end-to-end encrypted) upload that does not open: wrong key, damaged, or replayed
    /// against another delivery.
    case sealedUploadInvalid
    /// The photo did not come from a valid capture ticket, and the tenant refuses such photos.
    case captureNotFresh(Freshness)
    /// The photo shows people, and the tenant's `people_policy` asks for a retake without them.
    case peopleInFrame(Redaction)
    /// A change made with an operator's console session, without the console's anti-forgery
    /// token or from another site: a page elsewhere trying to act with the operator's cookie.
    case crossSiteRequest
    /// The password was right, and the account also asks for a code from an authenticator app.
    case codeRequired
}

extension DoorstepError: CustomStringConvertible {
    /// Case and safe details only: associated values never hold personal data.
    public var description: String {
        switch self {
        case .invalidInput(let field, let reason): "invalidInput(\(field): \(reason))"
        case .unauthenticated: "unauthenticated"
        case .forbidden(let scope): "forbidden (needs \(scope.rawValue))"
        case .notFound: "notFound"
        case .linkInvalid: "linkInvalid"
        case .linkExpired: "linkExpired"
        case .conflict(let reason): "conflict(\(reason))"
        case .idempotencyKeyReused: "idempotencyKeyReused"
        case .batchInvalid(let errors): "batchInvalid(\(errors.count) items)"
        case .unsupportedMediaType: "unsupportedMediaType"
        case .payloadTooLarge(let limit): "payloadTooLarge(\(limit))"
        case .tooManyPixels(let limit): "tooManyPixels(\(limit))"
        case .undecodableImage: "undecodableImage"
        case .incompleteUpload: "incompleteUpload"
        case .overloaded: "overloaded"
        case .storageFull: "storageFull"
        case .limitReached(let resource, let limit): "limitReached(\(resource): \(limit))"
        case .tooManyAttempts(let seconds): "tooManyAttempts(\(seconds))"
        case .rateLimited(let seconds): "rateLimited(\(seconds))"
        case .uploadTooSlow(let rate): "uploadTooSlow(\(rate))"
        case .photoNotAllowed(let reason): "photoNotAllowed(\(reason.rawValue))"
        case .photoUnusable(let issues): "photoUnusable(\(issues.map(\.rawValue).joined(separator: ",")))"
        case .sealedUploadInvalid: "sealedUploadInvalid"
        case .captureNotFresh(let freshness): "captureNotFresh(\(freshness.rawValue))"
        case .peopleInFrame(let redaction): "peopleInFrame(faces: \(redaction.faces), people: \(redaction.people))"
        case .crossSiteRequest: "crossSiteRequest"
        case .codeRequired: "codeRequired"
        }
    }
}

/// Why one item of a batch was refused: its position, the field and the reason, as
/// `invalidInput` would say them for a request of its own.
public struct BatchItemError: Sendable, Equatable, Encodable {
    public var index: Int
    public var field: String
    public var reason: String

    public init(index: Int, field: String, reason: String) {
        (self.index, self.field, self.reason) = (index, field, reason)
    }
}

extension DoorstepError {
    /// A courier's action on a stop that is already delivered (a photo retake is not one).
    public static let alreadyDelivered = DoorstepError.conflict(reason: "this delivery is already delivered")
    /// One attempt more than `DeliveryAttempt.maxPerDelivery`.
    public static let attemptsExhausted = DoorstepError.conflict(reason: "this delivery already has \(DeliveryAttempt.maxPerDelivery) attempts")
}
