import DoorstepCore
import Foundation

/// Everything Doorstep remembers apart from image bytes. One interface, one contract test suite;
/// implemented once over SQLKit for every SQL engine (SQLite embedded, PostgreSQL for scale-out).
///
/// Reads that a tenant makes are scoped by tenant id in the query itself, so a missing scope
/// cannot leak another tenant's row.
public protocol MetadataStore: Sendable {
    func migrate() async throws
    func ping() async throws
    /// Whether other processes may use this database (PostgreSQL), so `broadcast` reaches anyone.
    var isShared: Bool { get }
    /// Best-effort message to every process sharing the database (live events across servers).
    func broadcast(_ message: String) async throws
    /// Calls `handler` with each message broadcast by any process, until cancelled; returns at
    /// once where there is only ever one process (SQLite).
    func listen(_ handler: @escaping @Sendable (String) async -> Void) async throws

    // Tenants and their API keys.
    func createTenant(_ tenant: Tenant) async throws
    func tenants() async throws -> [Tenant]
    func tenant(id: String) async throws -> Tenant?
    func updateSettings(_ settings: TenantSettings, tenantID: String) async throws
    func addAPIKey(id: String, tenantID: String, digest: String, prefix: String, createdAt: Date) async throws
    func tenant(forAPIKeyDigest digest: String) async throws -> Tenant?

    // Couriers and their sessions.
    /// Throws `DoorstepError.conflict` when the username is taken.
    func createCourier(_ courier: Courier, passwordHash: String) async throws
    func courierCredentials(username: String) async throws -> (courier: Courier, passwordHash: String)?
    func courier(id: String, tenantID: String) async throws -> Courier?
    func addCourierSession(digest: String, courierID: String, expiresAt: Date) async throws
    func courier(forSessionDigest digest: String, now: Date) async throws -> Courier?

    // Deliveries.
    /// Throws `DoorstepError.conflict` when the tenant already used the order reference.
    func createDelivery(_ delivery: Delivery) async throws
    func delivery(id: String, tenantID: String) async throws -> Delivery?
    /// Unscoped: only for callers that hold a capability for this delivery (a signed link, a courier
    /// check on `courierID`).
    func delivery(id: String) async throws -> Delivery?
    /// Newest first; `after` is the last delivery of the previous page.
    func deliveries(tenantID: String, limit: Int, after: DeliveryCursor?) async throws -> [Delivery]
    /// A courier's stops in route order: every one not yet delivered, and those delivered since `deliveredSince`.
    func deliveries(courierID: String, deliveredSince: Date) async throws -> [Delivery]

    // Photos.
    /// In ONE transaction: claims the idempotency key (if any), retires the delivery's previous
    /// photo (a retake), records the photo, marks the delivery delivered, queues `events` and
    /// records `audit` (so the upload is in the access log exactly when it happened). The blobs
    /// must already be written. Returns `.duplicate` when the key was already used, changing nothing.
    func recordPhoto(_ photo: Photo, idempotency: IdempotencyClaim?, events: [OutboxEvent], audit: AccessEvent?) async throws -> RecordPhotoResult
    func idempotentUpload(courierID: String, key: String) async throws -> IdempotencyClaim?
    func photo(id: String) async throws -> Photo?
    func currentPhoto(deliveryID: String) async throws -> Photo?
    /// Of the given photo ids, those whose blobs must be kept (photo recorded and not deleted).
    func livePhotoIDs(among ids: [String]) async throws -> Set<String>
    func livePhotoIDs(deliveryIDs: [String]) async throws -> [String]

    // Privacy: deletion, retention, key rotation, proofs, audit, recipients' choices, erasure.
    /// Marks the photo deleted and destroys its data key, in one statement, and enqueues `events`
    /// in the same transaction. Returns its blob keys to the one caller that deleted it; nil when
    /// it was already gone (and then enqueues nothing).
    func deletePhoto(id: String, reason: String, at: Date, events: [OutboxEvent]) async throws -> [String]?
    func expiredPhotoIDs(now: Date, limit: Int) async throws -> [String]
    func photoKeys(notWrappedBy version: Int, limit: Int) async throws -> [(photoID: String, key: WrappedDataKey)]
    /// Swaps a data key's wrapping if it is still `old`; false when the photo changed meanwhile.
    func replacePhotoKey(photoID: String, old: WrappedDataKey, new: WrappedDataKey) async throws -> Bool
    func kekVersionsInUse() async throws -> Set<Int>
    /// Every photo a delivery ever had, deleted ones included.
    func photoProofs(deliveryID: String) async throws -> [PhotoProof]
    func recordAccess(_ event: AccessEvent) async throws
    func accessEvents(deliveryID: String) async throws -> [AccessEvent]
    func accessEvents(tenantID: String?, limit: Int) async throws -> [AccessEvent]
    /// Sets (or with a nil choice clears) a recipient's choices and enqueues `events`, in one
    /// transaction. Subjects are keyed digests, never emails.
    func setRecipientChoices(_ changes: [RecipientChoiceChange], tenantID: String, at: Date, events: [OutboxEvent]) async throws
    /// The choices stored for any of `subjects` (digests per scope), in one query: a courier's
    /// whole stop list is answered at once.
    func recipientChoices(tenantID: String, anyOf subjects: [ChoiceScope: Set<String>]) async throws -> [RecipientSubject: RecipientChoice]
    func deliveries(tenantID: String, recipientEmail: String) async throws -> [Delivery]
    /// Blanks every personal field of a delivery and its photos' rows (not their proofs).
    func eraseRecipientData(deliveryID: String, at: Date) async throws

    // Notifications: the transactional outbox and webhook endpoints.
    func enqueue(_ events: [OutboxEvent]) async throws
    /// created → out for delivery, with its events, in one transaction; false if not `created`.
    func markOutForDelivery(deliveryID: String, events: [OutboxEvent]) async throws -> Bool
    /// Delivered where no photo may be taken (or none could be): records where the parcel is and
    /// enqueues the events, once. False when the delivery was already delivered.
    func markDeliveredWithoutPhoto(deliveryID: String, placement: Placement, note: String?, at: Date, events: [OutboxEvent]) async throws -> Bool
    /// Leases due messages to the caller until `leaseUntil`; counts the attempt.
    func claimOutboxMessages(now: Date, leaseUntil: Date, limit: Int) async throws -> [OutboxMessage]
    func completeOutboxMessage(id: String, at: Date) async throws
    /// Schedules another try at `retryAt`, or with nil moves the message to the dead letters.
    func failOutboxMessage(id: String, error: String, retryAt: Date?) async throws
    func outboxMessages(state: OutboxMessage.State?, endpointID: String?, limit: Int) async throws -> [OutboxMessage]
    /// A dead message back to pending, due now; false if it is not dead.
    func replayOutboxMessage(id: String, at: Date) async throws -> Bool
    func createWebhookEndpoint(_ endpoint: WebhookEndpoint) async throws
    func webhookEndpoints(tenantID: String) async throws -> [WebhookEndpoint]
    func webhookEndpoint(id: String) async throws -> WebhookEndpoint?
    func rotateWebhookSecret(id: String, newSecret: String, previousValidUntil: Date) async throws
    func deleteWebhookEndpoint(id: String, at: Date) async throws
    /// Records a customer's problem report and its event, in one transaction.
    func addProblemReport(_ report: ProblemReport, events: [OutboxEvent]) async throws
    func problemReports(deliveryID: String) async throws -> [ProblemReport]
    /// A tenant's cases, newest first.
    func problemReports(tenantID: String, openOnly: Bool, limit: Int) async throws -> [ProblemReport]
    func problemReport(id: String, tenantID: String) async throws -> ProblemReport?
    /// Closes a case once, with its event. False when it was already resolved.
    func resolveProblemReport(id: String, resolution: String, at: Date, events: [OutboxEvent]) async throws -> Bool

    // Evidence.
    func createCaptureTicket(_ ticket: CaptureTicket) async throws
    func captureTicket(digest: String) async throws -> CaptureTicket?
    /// The tenant's photos since `since`, of other deliveries than `excludingDeliveryID`, whose
    /// perceptual hash is at most `maxDistance` bits from `hash` (deleted ones too: the hash cannot
    /// show anything, and a reused photo is as suspect after its original was deleted): the
    /// `limit` closest, closest first, ties by photo id.
    func nearPerceptualHashes(
        of hash: UInt64, tenantID: String, since: Date, maxDistance: Int, excludingDeliveryID: String, limit: Int
    ) async throws -> [PerceptualHashRow]
    func reuseMatches(photoID: String) async throws -> [ReuseMatch]
}

public struct PerceptualHashRow: Sendable, Equatable {
    public var photoID: String
    public var deliveryID: String
    public var courierID: String
    public var hash: UInt64

    public init(photoID: String, deliveryID: String, courierID: String, hash: UInt64) {
        self.photoID = photoID
        self.deliveryID = deliveryID
        self.courierID = courierID
        self.hash = hash
    }
}

public struct RecipientChoiceChange: Sendable, Equatable {
    public var scope: ChoiceScope
    public var subject: String
    public var choice: RecipientChoice?

    public init(scope: ChoiceScope, subject: String, choice: RecipientChoice?) {
        self.scope = scope
        self.subject = subject
        self.choice = choice
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

public enum RecordPhotoResult: Sendable, Equatable {
    /// Recorded. `retired` lists the blob keys of the photo this one replaced, to delete now;
    /// `delivery` is the delivery as this transaction left it (delivered).
    case recorded(retired: [String], delivery: Delivery)
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

extension MetadataStore {
    /// One recipient's choices, by scope.
    public func recipientChoices(tenantID: String, subjects: [ChoiceScope: String]) async throws -> [ChoiceScope: RecipientChoice] {
        let found = try await recipientChoices(tenantID: tenantID, anyOf: subjects.mapValues { [$0] })
        var choices: [ChoiceScope: RecipientChoice] = [:]
        for (scope, subject) in subjects { choices[scope] = found[RecipientSubject(scope, subject)] }
        return choices
    }

    /// A photo recorded with no access event of its own (contract tests, tools).
    public func recordPhoto(_ photo: Photo, idempotency: IdempotencyClaim?, events: [OutboxEvent]) async throws -> RecordPhotoResult {
        try await recordPhoto(photo, idempotency: idempotency, events: events, audit: nil)
    }
}
