import DoorstepCore
import DoorstepStorage
import Foundation
import Testing

/// Every store requirement, failing loudly: a use-case test subclasses it and overrides exactly
/// what the use case should call, so a call it did not expect fails the test instead of silently
/// succeeding (the isowords "unimplemented" pattern). Generated from the store protocols' shape.
class UnimplementedStore: MetadataStore, @unchecked Sendable {
    struct Unimplemented: Error, CustomStringConvertible {
        var function: String
        var description: String { "the use case called \(function), which this test did not expect" }
    }

    func unimplemented(_ function: String = #function) -> Unimplemented {
        Issue.record("unexpected store call: \(function)")
        return Unimplemented(function: function)
    }


    // MARK: DatabaseStore

    func migrate() async throws { throw unimplemented() }
    func ping() async throws { throw unimplemented() }

    // MARK: DashboardStore

    func countsFromRecords(tenantID: String, span: DashboardSpan, buckets: ClosedRange<Int>) async throws -> [DashboardCount] { throw unimplemented() }
    func keptCounts(tenantID: String, span: DashboardSpan, buckets: ClosedRange<Int>) async throws
        -> (counts: [DashboardCount], kept: Set<Int>) { throw unimplemented() }
    func keepCounts(tenantID: String, span: DashboardSpan, buckets: [Int], counts: [DashboardCount]) async throws { throw unimplemented() }

    // MARK: ActivityStore

    func recordActivity(_ entry: ActivityEntry) async throws { throw unimplemented() }
    func activity(tenantID: String, before cursor: ActivityCursor?, limit: Int) async throws
        -> (entries: [ActivityEntry], next: ActivityCursor?) { throw unimplemented() }

    // MARK: BroadcastStore

    var isShared: Bool { false }
    func broadcast(_ message: String) async throws { throw unimplemented() }
    func listen(_ handler: @escaping @Sendable (String) async -> Void) async throws { throw unimplemented() }

    // MARK: AccountStore

    func createTenant(_ tenant: Tenant) async throws { throw unimplemented() }
    func tenants() async throws -> [Tenant] { throw unimplemented() }
    func tenant(id: String) async throws -> Tenant? { throw unimplemented() }
    func updateSettings(_ settings: TenantSettings, tenantID: String) async throws { throw unimplemented() }
    func updateBranding(_ branding: TenantBranding, tenantID: String) async throws { throw unimplemented() }
    func setBrandLogo(_ logo: TenantBranding.Logo?, jpeg: [UInt8]?, tenantID: String) async throws { throw unimplemented() }
    func brandLogo(digest: String) async throws -> [UInt8]? { throw unimplemented() }
    func addAPIKey(_ key: APIKeyRecord, tenantID: String, digest: String, liveLimit: Int?) async throws -> Bool { throw unimplemented() }
    func revokeAPIKeyKeepingAnAdmin(id: String, tenantID: String, at: Date) async throws -> APIKeyRevocation { throw unimplemented() }
    func apiKey(digest: String) async throws -> (tenant: Tenant, key: APIKeyRecord)? { throw unimplemented() }
    func markAPIKeyUsed(id: String, at: Date) async throws { throw unimplemented() }
    func createCourier(_ courier: Courier, passwordHash: String) async throws { throw unimplemented() }
    func courierCredentials(username: String) async throws -> (courier: Courier, passwordHash: String)? { throw unimplemented() }
    func courier(id: String, tenantID: String) async throws -> Courier? { throw unimplemented() }
    func addCourierSession(digest: String, courierID: String, expiresAt: Date) async throws { throw unimplemented() }
    func courier(forSessionDigest digest: String, now: Date) async throws -> Courier? { throw unimplemented() }
    func revokeCourierSessions(courierID: String) async throws -> Int { throw unimplemented() }
    func couriers(tenantID: String) async throws -> [(courier: Courier, disabledAt: Date?)] { throw unimplemented() }
    func courierCount(tenantID: String) async throws -> Int { throw unimplemented() }
    func setCourierPassword(courierID: String, passwordHash: String) async throws { throw unimplemented() }

    // MARK: OperatorStore

    func createOperator(_ account: OperatorAccount, passwordHash: String) async throws { throw unimplemented() }
    func operatorCredentials(username: String) async throws -> (account: OperatorAccount, passwordHash: String)? { throw unimplemented() }
    func operators(tenantID: String) async throws -> [(account: OperatorAccount, disabledAt: Date?)] { throw unimplemented() }
    func setOperatorDisabled(id: String, tenantID: String, at: Date?) async throws -> Bool { throw unimplemented() }
    func operatorTOTPSecret(id: String) async throws -> String? { throw unimplemented() }
    func setOperatorTOTP(id: String, tenantID: String, sealedSecret: String?, step: Int64?) async throws -> Bool { throw unimplemented() }
    func useOperatorTOTPStep(id: String, step: Int64) async throws -> Bool { throw unimplemented() }
    func operatorTOTPSecrets() async throws -> [(operatorID: String, sealed: String)] { throw unimplemented() }
    func replaceOperatorTOTPSecret(operatorID: String, old: String, new: String) async throws -> Bool { throw unimplemented() }
    func addOperatorSession(digest: String, operatorID: String, expiresAt: Date, idleUntil: Date) async throws { throw unimplemented() }
    func operatorSession(digest: String, now: Date) async throws -> OperatorSessionRecord? { throw unimplemented() }
    func touchOperatorSession(digest: String, idleUntil: Date) async throws { throw unimplemented() }
    func deleteOperatorSession(digest: String) async throws { throw unimplemented() }
    func apiKeys(tenantID: String) async throws -> [APIKeyRecord] { throw unimplemented() }
    func revokeAPIKey(id: String, tenantID: String, at: Date) async throws -> Bool { throw unimplemented() }
    func purgeExpiredRecords(_ cutoffs: PurgeCutoffs) async throws -> PurgeCounts { throw unimplemented() }
    func unusedCaptureTickets(courierID: String, issuedSince: Date) async throws -> Int { throw unimplemented() }

    // MARK: DeliveryStore

    func createDeliveries(_ deliveries: [Delivery], claim: DeliveryRequestClaim?) async throws -> CreateDeliveriesResult { throw unimplemented() }
    func usedOrderReferences(tenantID: String, among references: [String]) async throws -> Set<String> { throw unimplemented() }
    func delivery(id: String, tenantID: String) async throws -> Delivery? { throw unimplemented() }
    func delivery(id: String) async throws -> Delivery? { throw unimplemented() }
    func deliveries(tenantID: String, filter: DeliveryFilter, limit: Int, after: DeliveryCursor?) async throws -> [Delivery] { throw unimplemented() }
    func deliveries(courierID: String, deliveredSince: Date) async throws -> [Delivery] { throw unimplemented() }
    func markOutForDelivery(deliveryID: String, at: Date, events: [OutboxEvent]) async throws -> Bool { throw unimplemented() }
    func setDropChoice(deliveryID: String, _ choice: DropChoice?) async throws -> Delivery? { throw unimplemented() }
    func handOver(deliveryID: String, code: String, note: String?, maxFailures: Int, at: Date, events: [OutboxEvent]) async throws -> HandoverResult { throw unimplemented() }
    func markDeliveredWithoutPhoto(
        deliveryID: String, placement: Placement, note: String?, withheld: PhotoPolicy.Reason?, at: Date, events: [OutboxEvent]
    ) async throws -> Bool { throw unimplemented() }
    func recordAttempt(_ attempt: DeliveryAttempt, photo: Photo?, events: [OutboxEvent], audit: AccessEvent?) async throws -> RecordAttemptResult { throw unimplemented() }
    func attempts(deliveryID: String) async throws -> [DeliveryAttempt] { throw unimplemented() }

    // MARK: PhotoStore

    func recordPhoto(_ photo: Photo, idempotency: IdempotencyClaim?, events: [OutboxEvent], audit: AccessEvent?, raising: RaisedCase?) async throws -> RecordPhotoResult { throw unimplemented() }
    func recordSignature(_ photo: Photo, note: String?, events: [OutboxEvent], audit: AccessEvent?) async throws -> Delivery? { throw unimplemented() }
    func idempotentUpload(courierID: String, key: String) async throws -> IdempotencyClaim? { throw unimplemented() }
    func photo(id: String) async throws -> Photo? { throw unimplemented() }
    func currentPhoto(deliveryID: String) async throws -> Photo? { throw unimplemented() }
    func currentPhotos(deliveryID: String) async throws -> [Photo] { throw unimplemented() }
    func liveBlobKeys(ofPhotos ids: [String]) async throws -> Set<String> { throw unimplemented() }
    func reduceToProof(
        id: String, proofKey: String, dataKey: WrappedDataKey, until: Date, at: Date, events: [OutboxEvent]
    ) async throws -> [String]? { throw unimplemented() }
    func proofThumbnails(deliveryID: String) async throws -> [StoredProofThumbnail] { throw unimplemented() }
    func dueProofThumbnails(now: Date, limit: Int) async throws -> [StoredProofThumbnail] { throw unimplemented() }
    func endProofThumbnail(photoID: String, dueBy: Date?, reason: PhotoDeletionReason?) async throws -> Bool { throw unimplemented() }
    func deletePhoto(id: String, reason: PhotoDeletionReason, at: Date, events: [OutboxEvent]) async throws -> [String]? { throw unimplemented() }
    func expiredPhotoIDs(now: Date, limit: Int) async throws -> [String] { throw unimplemented() }
    func photoProofs(deliveryID: String) async throws -> [PhotoProof] { throw unimplemented() }

    // MARK: PhotoKeyStore

    func photoKeys(notWrappedBy version: Int, limit: Int) async throws -> [(photoID: String, key: WrappedDataKey)] { throw unimplemented() }
    func replacePhotoKey(photoID: String, old: WrappedDataKey, new: WrappedDataKey) async throws -> Bool { throw unimplemented() }
    func kekVersionsInUse() async throws -> Set<Int> { throw unimplemented() }

    // MARK: PrivacyStore

    func recordAccess(_ event: AccessEvent) async throws { throw unimplemented() }
    func accessEvents(deliveryID: String) async throws -> [AccessEvent] { throw unimplemented() }
    func accessEvents(deliveryID: String, actions: [AccessEvent.Action], latest limit: Int) async throws -> [AccessEvent] { throw unimplemented() }
    func accessEvents(tenantID: String?, limit: Int) async throws -> [AccessEvent] { throw unimplemented() }
    func setRecipientChoices(_ changes: [RecipientChoiceChange], tenantID: String, at: Date, events: [OutboxEvent]) async throws { throw unimplemented() }
    func recipientChoices(tenantID: String, anyOf subjects: [ChoiceScope: Set<String>]) async throws -> [RecipientSubject: RecipientChoice] { throw unimplemented() }
    func deliveries(tenantID: String, contact: RecipientContact) async throws -> [Delivery] { throw unimplemented() }
    func eraseRecipientData(deliveryID: String, at: Date) async throws { throw unimplemented() }

    // MARK: OutboxStore

    func claimOutboxMessages(now: Date, leaseUntil: Date, limit: Int, skippingWebhooksOf tenants: Set<String>) async throws -> [OutboxMessage] { throw unimplemented() }
    func releaseOutboxMessage(id: String) async throws { throw unimplemented() }
    func webhookSecrets() async throws -> [StoredWebhookSecrets] { throw unimplemented() }
    func replaceWebhookSecrets(_ old: StoredWebhookSecrets, with new: StoredWebhookSecrets) async throws -> Bool { throw unimplemented() }
    func courier(username: String) async throws -> (courier: Courier, disabledAt: Date?)? { throw unimplemented() }
    func setCourierDisabled(courierID: String, at: Date?) async throws { throw unimplemented() }
    func completeOutboxMessage(id: String, at: Date) async throws { throw unimplemented() }
    func failOutboxMessage(id: String, error: String, retryAt: Date?) async throws { throw unimplemented() }
    func outboxMessages(state: OutboxMessage.State?, endpointID: String?, limit: Int) async throws -> [OutboxMessage] { throw unimplemented() }
    func outboxMessages(deliveryID: String, limit: Int) async throws -> [OutboxMessage] { throw unimplemented() }
    func outboxMessage(id: String) async throws -> OutboxMessage? { throw unimplemented() }
    func replayOutboxMessage(id: String, endpointID: String?, at: Date) async throws -> Bool { throw unimplemented() }

    // MARK: WebhookStore

    func createWebhookEndpoint(_ endpoint: WebhookEndpoint, upTo: Int) async throws -> Bool { throw unimplemented() }
    func webhookEndpoints(tenantID: String) async throws -> [WebhookEndpoint] { throw unimplemented() }
    func webhookEndpoint(id: String) async throws -> WebhookEndpoint? { throw unimplemented() }
    func rotateWebhookSecret(id: String, newSecret: String, previousValidUntil: Date) async throws { throw unimplemented() }
    func deleteWebhookEndpoint(id: String, at: Date) async throws { throw unimplemented() }

    // MARK: CaseStore

    func addProblemReport(_ report: ProblemReport, events: [OutboxEvent], maxOpen: Int) async throws -> Bool { throw unimplemented() }
    func problemReports(deliveryID: String) async throws -> [ProblemReport] { throw unimplemented() }
    func problemReports(tenantID: String, openOnly: Bool, assignee: CaseAssignee, limit: Int) async throws -> [ProblemReport] { throw unimplemented() }
    func problemReport(id: String, tenantID: String) async throws -> ProblemReport? { throw unimplemented() }
    func resolveProblemReport(id: String, resolution: String, at: Date, events: [OutboxEvent]) async throws -> Bool { throw unimplemented() }
    func assignProblemReport(id: String, tenantID: String, operatorID: String?) async throws -> Bool { throw unimplemented() }
    func addCaseNote(_ note: CaseNote, maxPerCase: Int) async throws -> Bool { throw unimplemented() }
    func caseNotes(caseID: String, tenantID: String) async throws -> [CaseNote] { throw unimplemented() }

    // MARK: EvidenceStore

    func createCaptureTicket(_ ticket: CaptureTicket, maxUnusedSince: Date, upTo: Int) async throws -> Bool { throw unimplemented() }
    func captureTicket(digest: String) async throws -> CaptureTicket? { throw unimplemented() }
    func nearPerceptualHashes(of hash: UInt64, tenantID: String, since: Date, maxDistance: Int, excludingDeliveryID: String, limit: Int) async throws -> [PerceptualHashRow] { throw unimplemented() }
    func reuseMatches(photoID: String) async throws -> [ReuseMatch] { throw unimplemented() }
}
