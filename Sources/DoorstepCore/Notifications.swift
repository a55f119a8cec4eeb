import Foundation

/// What happened, as the outside world hears of it (email, webhooks, live pages).
public enum EventType: String, Codable, Sendable, CaseIterable {
    case outForDelivery = "delivery.out_for_delivery"
    case delivered = "delivery.delivered"
    /// The courier could not deliver (`DeliveryAttempt`): the recipient hears "we tried".
    case attempted = "delivery.attempted"
    case photoDeleted = "photo.deleted"
    case optedOut = "recipient.opted_out"
    case problemReported = "delivery.problem_reported"
    case problemResolved = "delivery.problem_resolved"

    /// Events the recipient is told of, by email and, with a phone number, by text message.
    public var emailsRecipient: Bool { self == .outForDelivery || self == .delivered || self == .attempted }
}

/// An event written to the outbox in the same transaction as the change that caused it. Ids and
/// times only: what a message needs is read when it is sent, so an erased recipient gets nothing.
public struct OutboxEvent: Codable, Sendable, Equatable {
    public var id: String
    public var tenantID: String
    public var type: EventType
    public var deliveryID: String?
    public var photoID: String?
    public var occurredAt: Date

    public init(id: String, tenantID: String, type: EventType, deliveryID: String?, photoID: String?, occurredAt: Date) {
        self.id = id
        self.tenantID = tenantID
        self.type = type
        self.deliveryID = deliveryID
        self.photoID = photoID
        self.occurredAt = occurredAt
    }
}

/// One event to one destination: the unit that is sent, retried and dead-lettered.
public struct OutboxMessage: Sendable, Equatable {
    public enum Channel: String, Codable, Sendable {
        case email, sms, webhook
    }

    public enum State: String, Codable, Sendable {
        case pending, done, dead
    }

    /// Stable across retries: the email's Message-ID and the webhook's `webhook-id`, so receivers
    /// can drop a repeat.
    public var id: String
    public var event: OutboxEvent
    public var channel: Channel
    /// The webhook endpoint id; nil for the recipient's email and text message.
    public var endpointID: String?
    public var state: State
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var sentAt: Date?

    public init(id: String, event: OutboxEvent, channel: Channel, endpointID: String?, state: State, attempts: Int,
                nextAttemptAt: Date, lastError: String?, sentAt: Date?) {
        self.id = id
        self.event = event
        self.channel = channel
        self.endpointID = endpointID
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.sentAt = sentAt
    }
}

/// Exponential backoff with full jitter, then the dead letter.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var base: TimeInterval
    public var cap: TimeInterval

    public init(maxAttempts: Int = 8, base: TimeInterval = 5, cap: TimeInterval = 3600) {
        self.maxAttempts = maxAttempts
        self.base = base
        self.cap = cap
    }

    /// Delay before the next try after `attempts` failed ones, or nil when it is time to give up.
    /// `unit` is a random number in 0..<1 (injected so tests can pin it).
    public func delay(afterAttempts attempts: Int, unit: Double) -> TimeInterval? {
        guard attempts < maxAttempts else { return nil }
        let ceiling = min(cap, base * pow(2, Double(max(0, attempts - 1))))
        return max(min(0.5, base), ceiling * unit)
    }
}

/// A tenant's webhook endpoint.
public struct WebhookEndpoint: Codable, Sendable, Equatable {
    public var id: String
    public var tenantID: String
    public var url: String
    /// `whsec_…` (Standard Webhooks). Kept to sign; shown to the tenant on creation and rotation.
    public var secret: String
    /// The secret before the last rotation, still signed with until `previousSecretUntil`.
    public var previousSecret: String?
    public var previousSecretUntil: Date?
    /// Event types sent; empty means all.
    public var eventTypes: [EventType]
    public var createdAt: Date

    public init(id: String, tenantID: String, url: String, secret: String, previousSecret: String? = nil,
                previousSecretUntil: Date? = nil, eventTypes: [EventType], createdAt: Date) {
        self.id = id
        self.tenantID = tenantID
        self.url = url
        self.secret = secret
        self.previousSecret = previousSecret
        self.previousSecretUntil = previousSecretUntil
        self.eventTypes = eventTypes
        self.createdAt = createdAt
    }

    public func wants(_ type: EventType) -> Bool { eventTypes.isEmpty || eventTypes.contains(type) }
}

/// A customer's report that something is wrong with a delivery.
public struct ProblemReport: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case notThere = "not_there"
        case notMyDoor = "not_my_door"
        case damaged
        case other
        /// Opened by Doorstep itself: the photo nearly duplicates one taken for another address.
        case photoReused = "photo_reused"

        /// What a recipient may report (the form's choices; anything else is refused).
        public static let customerKinds: [Kind] = [.notThere, .notMyDoor, .damaged, .other]

        public var isRaisedByDoorstep: Bool { self == .photoReused }
    }

    public var id: String
    public var tenantID: String
    public var deliveryID: String
    public var kind: Kind
    /// The customer's own words; part of their data (exported, erased).
    public var details: String
    public var createdAt: Date
    /// A report is a case the tenant's operators work on until they resolve it.
    public var resolution: String?
    public var resolvedAt: Date?
    /// The operator working on the case, if someone has taken it.
    public var assigneeID: String?

    public var isOpen: Bool { resolvedAt == nil }

    public init(id: String, tenantID: String, deliveryID: String, kind: Kind, details: String, createdAt: Date,
                resolution: String? = nil, resolvedAt: Date? = nil, assigneeID: String? = nil) {
        self.assigneeID = assigneeID
        self.resolution = resolution
        self.resolvedAt = resolvedAt
        self.id = id
        self.tenantID = tenantID
        self.deliveryID = deliveryID
        self.kind = kind
        self.details = details
        self.createdAt = createdAt
    }
}
