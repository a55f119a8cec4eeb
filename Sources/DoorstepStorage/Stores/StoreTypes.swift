import DoorstepCore
import Foundation

public struct PerceptualHashRow: Sendable, Equatable {
    public var photoID: String
    public var deliveryID: String
    public var courierID: String
    public var hash: UInt64
    /// Where that photo's delivery went: whether a look-alike is expected (`ReusePlace`).
    public var address: String
    public var location: Coordinate

    public init(photoID: String, deliveryID: String, courierID: String, hash: UInt64, address: String, location: Coordinate) {
        self.photoID = photoID
        self.deliveryID = deliveryID
        self.courierID = courierID
        self.hash = hash
        self.address = address
        self.location = location
    }
}

/// A photo's proof thumbnail while it exists.
public struct StoredProofThumbnail: Sendable, Equatable {
    public var photoID: String
    public var deliveryID: String
    public var tenantID: String
    public var blobKey: String
    public var dataKey: WrappedDataKey
    public var width: Int
    public var height: Int
    public var until: Date

    public init(photoID: String, deliveryID: String, tenantID: String, blobKey: String, dataKey: WrappedDataKey, width: Int, height: Int, until: Date) {
        self.photoID = photoID
        self.deliveryID = deliveryID
        self.tenantID = tenantID
        self.blobKey = blobKey
        self.dataKey = dataKey
        self.width = width
        self.height = height
        self.until = until
    }
}

/// A case Doorstep opens by itself with the photo that gives cause, and the event that tells the
/// tenant. Not opened while the delivery has an open case of the same kind: a courier's retakes
/// make one case, not one each.
public struct RaisedCase: Sendable {
    public var report: ProblemReport
    public var event: OutboxEvent

    public init(report: ProblemReport, event: OutboxEvent) {
        self.report = report
        self.event = event
    }
}

public struct RecipientChoiceChange: Sendable, Equatable {
    public var scope: ChoiceScope
    public var subject: String
    public var choice: RecipientChoice?
    /// The contact digests of who makes the change. A choice is stored as set by the first; a
    /// clearing (nil choice) with any given removes only a choice one of them set, so one
    /// housemate's "yes" never lifts another's address-wide "no". Empty: whoever set it.
    public var by: [String]

    public init(scope: ChoiceScope, subject: String, choice: RecipientChoice?, by: [String] = []) {
        self.scope = scope
        self.subject = subject
        self.choice = choice
        self.by = by
    }
}

public struct DeliveryCursor: Sendable, Equatable {
    public var createdAt: Date
    public var id: String

    public init(createdAt: Date, id: String) {
        self.createdAt = createdAt
        self.id = id
    }
}

/// An Idempotency-Key of a tenant's delivery creation: the request's fingerprint and the ids it
/// created, in order.
public struct DeliveryRequestClaim: Sendable, Equatable {
    public var tenantID: String
    public var key: String
    public var fingerprint: String
    public var deliveryIDs: [String]
    public var createdAt: Date

    public init(tenantID: String, key: String, fingerprint: String, deliveryIDs: [String], createdAt: Date) {
        (self.tenantID, self.key, self.fingerprint, self.deliveryIDs, self.createdAt) = (tenantID, key, fingerprint, deliveryIDs, createdAt)
    }
}

public enum CreateDeliveriesResult: Sendable, Equatable {
    case created
    /// The key was used before: this is what that request made (nothing was created now).
    case earlier(DeliveryRequestClaim)
    /// The item at `index` reuses one of the tenant's order references: nothing was created.
    case orderReferenceTaken(index: Int)
}

/// What a tenant's delivery list is narrowed to; every condition set must hold. Values are
/// checked by the caller (DeliveryService) before they reach a store.
public struct DeliveryFilter: Sendable, Equatable {
    public var state: DeliveryState?
    /// Created strictly after.
    public var createdAfter: Date?
    /// Created before.
    public var createdBefore: Date?
    public var orderReference: String?
    public var courierID: String?
    /// Lower-cased, as stored.
    public var recipientEmail: String?

    public init(
        state: DeliveryState? = nil, createdAfter: Date? = nil, createdBefore: Date? = nil, orderReference: String? = nil,
        courierID: String? = nil, recipientEmail: String? = nil
    ) {
        self.recipientEmail = recipientEmail
        self.state = state
        self.createdAfter = createdAfter
        self.createdBefore = createdBefore
        self.orderReference = orderReference
        self.courierID = courierID
    }
}

/// An Idempotency-Key as stored: who used it, for which request, and the photo it made.
public struct IdempotencyClaim: Sendable, Equatable {
    public var courierID: String
    public var key: String
    /// Digest of what the request said (delivery, placement, body hash): the same key with a
    /// different request is an error, not a replay.
    public var fingerprint: String
    public var photoID: String

    public init(courierID: String, key: String, fingerprint: String, photoID: String) {
        self.courierID = courierID
        self.key = key
        self.fingerprint = fingerprint
        self.photoID = photoID
    }
}

public enum HandoverResult: Sendable, Equatable {
    case handedOver(Delivery)
    case wrongCode(triesLeft: Int)
    /// Too many wrong codes (or no code was issued): the courier delivers another way.
    case locked
    case alreadyDelivered
}

public enum RecordPhotoResult: Sendable, Equatable {
    /// Recorded. `retired` lists the blob keys of the photo this one replaced, to delete now;
    /// `delivery` is the delivery as this transaction left it (delivered); `openedCase` says
    /// whether the case asked for (`raising`) was opened, not already open; `announced`, whether
    /// the photo's events were queued (not for a further photo of a delivered parcel).
    case recorded(retired: [String], delivery: Delivery, openedCase: Bool = false, announced: Bool = true)
    /// The key was claimed first by another request; nothing changed.
    case duplicate(IdempotencyClaim)
}

/// One stored choice's key: the scope and the keyed digest of the email or address.
public struct RecipientSubject: Hashable, Sendable {
    public var scope: ChoiceScope
    public var subject: String

    public init(_ scope: ChoiceScope, _ subject: String) {
        self.scope = scope
        self.subject = subject
    }
}

extension PrivacyStore {
    /// One recipient's choices, by scope.
    public func recipientChoices(tenantID: String, subjects: [ChoiceScope: String]) async throws -> [ChoiceScope: RecipientChoice] {
        let found = try await recipientChoices(tenantID: tenantID, anyOf: subjects.mapValues { [$0] })
        var choices: [ChoiceScope: RecipientChoice] = [:]
        for (scope, subject) in subjects { choices[scope] = found[RecipientSubject(scope, subject)] }
        return choices
    }
}

extension PhotoStore {
    /// A photo recorded with no access event of its own (contract tests, tools).
    public func recordPhoto(_ photo: Photo, idempotency: IdempotencyClaim?, events: [OutboxEvent]) async throws -> RecordPhotoResult {
        try await recordPhoto(photo, idempotency: idempotency, events: events, audit: nil, raising: nil)
    }

    public func recordPhoto(_ photo: Photo, idempotency: IdempotencyClaim?, events: [OutboxEvent], audit: AccessEvent?) async throws -> RecordPhotoResult {
        try await recordPhoto(photo, idempotency: idempotency, events: events, audit: audit, raising: nil)
    }
}
