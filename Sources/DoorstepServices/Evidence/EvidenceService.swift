import Crypto
import DoorstepCore
import DoorstepSecurity
import DoorstepStorage
import Foundation

/// What makes a photo evidence: capture tickets (freshness), reuse detection, signed receipts
/// and the cases customers open.
public struct EvidenceService: Sendable {
    let store: any EvidenceStore & CaseStore & DeliveryStore & PhotoStore & AccountStore
    let receipts: ReceiptKeys
    let deliveries: DeliveryService
    let announcer: Announcer
    let holds: LegalHold
    let effects: Effects

    public init(
        store: any EvidenceStore & CaseStore & DeliveryStore & PhotoStore & AccountStore, receipts: ReceiptKeys,
        deliveries: DeliveryService, announcer: Announcer, holds: LegalHold, effects: Effects
    ) {
        self.holds = holds
        self.store = store
        self.receipts = receipts
        self.deliveries = deliveries
        self.announcer = announcer
        self.effects = effects
    }

    // MARK: Capture tickets

    public struct IssuedTicket: Sendable {
        public var ticket: String
        public var expiresAt: Date
    }

    /// Unused tickets a courier may hold from the last capture window: a real courier taps
    /// "Delivered" once a stop, a script that taps it in a loop fills a table.
    public static let maxUnusedTickets = 20

    /// A ticket for photographing this stop now. Only its digest is stored.
    public func issueTicket(for delivery: Delivery, courier: Courier) async throws -> IssuedTicket {
        let token = "dct_" + Base64URL.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
        let now = effects.now()
        let recent = now.addingTimeInterval(-(FreshnessRule.captureWindow + FreshnessRule.clockSlack))
        let ticket = CaptureTicket(digest: SecretToken.digest(token), deliveryID: delivery.id, courierID: courier.id, issuedAt: now)
        guard try await store.createCaptureTicket(ticket, maxUnusedSince: recent, upTo: Self.maxUnusedTickets) else {
            throw DoorstepError.limitReached(resource: "unused capture tickets per courier", limit: Self.maxUnusedTickets)
        }
        return IssuedTicket(ticket: token, expiresAt: now.addingTimeInterval(FreshnessRule.captureWindow))
    }

    /// The freshness verdict of an upload, and the ticket digest to mark used with the photo.
    func freshness(
        of details: PhotoUploadDetails, exifCapture: Date?, delivery: Delivery, courier: Courier
    ) async throws -> (Freshness, String?) {
        let digest = details.ticket.map(SecretToken.digest)
        let ticket = try await digest.asyncMap { try await store.captureTicket(digest: $0) } ?? nil
        let verdict = FreshnessRule.judge(
            named: details.ticket != nil, ticket: ticket, deliveryID: delivery.id, courierID: courier.id,
            claimedCapture: details.capturedAt, exifCapture: exifCapture, arrival: effects.now())
        return (verdict, verdict == .fresh ? digest : nil)
    }

    // MARK: Reuse

    /// Earlier photos of other deliveries of the tenant, within its retention window, that this
    /// hash nearly duplicates: the closest `PerceptualHash.matchesKept`, closest first, each told
    /// apart as the same place (expected) or another address (suspicious).
    func reuseMatches(hash: UInt64, delivery: Delivery, courier: Courier, retention: TimeInterval) async throws -> [ReuseMatch] {
        let since = effects.now().addingTimeInterval(-retention)
        return try await store.nearPerceptualHashes(
            of: hash, tenantID: delivery.tenantID, since: since, maxDistance: PerceptualHash.nearDuplicateBits,
            excludingDeliveryID: delivery.id, limit: PerceptualHash.matchesKept)
            .map { ReuseMatch(photoID: $0.photoID, deliveryID: $0.deliveryID, distance: PerceptualHash.distance($0.hash, hash),
                              sameCourier: $0.courierID == courier.id,
                              sameAddress: ReusePlace.isSame(address: delivery.address, location: delivery.location,
                                                             asAddress: $0.address, location: $0.location)) }
    }

    /// The case a photo opens by itself: only when it passes for another address's photo. A
    /// regular customer's door shot from the same spot is flagged for review but raises nothing.
    func raisedCase(for photo: Photo) -> RaisedCase? {
        guard photo.reuse.contains(where: { !$0.sameAddress }) else { return nil }
        let report = ProblemReport(
            id: effects.newID(), tenantID: photo.tenantID, deliveryID: photo.deliveryID, kind: .photoReused, details: "",
            createdAt: photo.createdAt)
        return RaisedCase(report: report, event: announcer.event(.problemReported, tenantID: photo.tenantID, deliveryID: photo.deliveryID))
    }

    // MARK: Receipts

    /// The signed receipt of a delivered parcel, made from what the store keeps after the photo is
    /// gone (so it outlives the photo). Nil while the parcel is not delivered.
    public func receipt(for delivery: Delivery) async throws -> SignedReceipt? {
        guard delivery.state == .delivered, let deliveredAt = delivery.deliveredAt else { return nil }
        let content = ReceiptContent(delivery: delivery, deliveredAt: deliveredAt, proofs: try await store.photoProofs(deliveryID: delivery.id))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try receipts.sign(Array(try encoder.encode(content)), tenantID: delivery.tenantID)
    }

    public func publishedKeys() async throws -> [PublishedKey] {
        receipts.published(tenantIDs: try await store.tenants().map(\.id))
    }

    // MARK: Cases (who works them, and their notes: `CaseDesk`)

    public struct Case: Sendable {
        public var report: ProblemReport
        public var delivery: Delivery
        public var photo: Photo?
        public var proofs: [PhotoProof]
        public var reuse: [ReuseMatch]
        public var receipt: SignedReceipt?
    }

    /// A case with its evidence side by side: the photo while it exists, what outlives it, reuse
    /// flags and the receipt.
    public func caseFile(id: String, tenant: Tenant) async throws -> Case {
        guard Identifier.isValid(id), let report = try await store.problemReport(id: id, tenantID: tenant.id),
              let delivery = try await store.delivery(id: report.deliveryID, tenantID: tenant.id)
        else { throw DoorstepError.notFound }
        let proofs = try await store.photoProofs(deliveryID: delivery.id)
        // Of several photos, the one that passes for another address's (what opens a reuse case by
        // itself) is the one to look at; else the first.
        let photos = try await deliveries.photos(of: delivery)
        let photo = photos.first { $0.reuse.contains { !$0.sameAddress } } ?? photos.first
        // The flags of the last photo, whether it still exists or not (the current one is the last).
        var reuse = photo?.reuse ?? []
        if photo == nil, let last = proofs.last(where: { $0.isParcelPhoto }) { reuse = try await store.reuseMatches(photoID: last.photoID) }
        return Case(report: report, delivery: delivery, photo: photo, proofs: proofs, reuse: reuse, receipt: try await receipt(for: delivery))
    }

    public func resolve(caseID: String, resolution: String, tenant: Tenant) async throws -> ProblemReport {
        let text = try Validate.text(resolution, field: "resolution", max: 2000)
        guard Identifier.isValid(caseID), let report = try await store.problemReport(id: caseID, tenantID: tenant.id) else {
            throw DoorstepError.notFound
        }
        let events = [announcer.event(.problemResolved, tenantID: tenant.id, deliveryID: report.deliveryID)]
        guard try await store.resolveProblemReport(id: caseID, resolution: text, at: effects.now(), events: events) else {
            throw DoorstepError.conflict(reason: "this case is already resolved")
        }
        await announcer.committed(events)
        if let delivery = try await store.delivery(id: report.deliveryID) { await holds.caseResolved(on: delivery) }
        return try await store.problemReport(id: caseID, tenantID: tenant.id) ?? report
    }
}

/// What a receipt states. Ids, times and verdicts only: no names, no addresses, no positions.
struct ReceiptContent: Encodable {
    var tenantID: String
    var deliveryID: String
    var orderReference: String
    var deliveredAt: Date
    var placement: Placement?
    /// The delivery's (first) photo, as every receipt has stated it.
    var photo: Photo?
    /// Where the tenant asks for several photos: each slot's, in order (absent with one).
    var photos: [Photo]?
    /// Handed over against the recipient's signature: the drawing's digest (never the name).
    var signature: Signature?

    struct Signature: Encodable {
        var id: String
        var sha256: String
        var signedAt: Date

        enum CodingKeys: String, CodingKey { case id, sha256, signedAt = "signed_at" }
    }

    struct Photo: Encodable {
        var id: String
        /// Which slot, where there are several (absent otherwise: a one-photo receipt reads as before).
        var slot: Int?
        var sha256: String
        var uploadedAt: Date
        var location: LocationVerdict
        var distanceMetres: Int?
        var quality: String
        var qualityIssues: [QualityIssue]
        var freshness: Freshness

        enum CodingKeys: String, CodingKey {
            case id, slot, sha256, uploadedAt = "uploaded_at", location, distanceMetres = "distance_m", quality
            case qualityIssues = "quality_issues", freshness
        }
    }

    enum CodingKeys: String, CodingKey {
        case tenantID = "tenant_id", deliveryID = "delivery_id", orderReference = "order_reference"
        case deliveredAt = "delivered_at", placement, photo, photos, signature
    }

    /// From every photo the delivery had: per slot the latest (a retake's, or one since deleted:
    /// the receipt outlives photos); door photos of attempts are not the delivery's.
    init(delivery: Delivery, deliveredAt: Date, proofs: [PhotoProof]) {
        tenantID = delivery.tenantID
        deliveryID = delivery.id
        orderReference = delivery.orderReference
        self.deliveredAt = deliveredAt
        placement = delivery.placement
        // A retake can share its millisecond with the photo it replaced: the live photo, else one
        // not replaced, wins over list order.
        func rank(_ proof: PhotoProof) -> Int { proof.deletedAt == nil ? 2 : proof.deletedReason == .replaced ? 0 : 1 }
        var latest: [Int: PhotoProof] = [:]
        for proof in proofs where proof.isParcelPhoto && latest[proof.slot].map({ rank($0) <= rank(proof) }) ?? true {
            latest[proof.slot] = proof
        }
        let several = latest.count > 1
        let slots = latest.keys.sorted().compactMap { latest[$0] }.map {
            Photo(id: $0.photoID, slot: several ? $0.slot : nil, sha256: $0.sha256, uploadedAt: $0.uploadedAt, location: $0.locationVerdict,
                  distanceMetres: $0.distanceToAddress.map { Int($0.rounded()) },
                  quality: $0.qualityIssues.isEmpty ? "ok" : "retake", qualityIssues: $0.qualityIssues, freshness: $0.freshness)
        }
        photo = slots.first
        photos = slots.count > 1 ? slots : nil
        signature = proofs.last { $0.kind == .signature }.map { Signature(id: $0.photoID, sha256: $0.sha256, signedAt: $0.uploadedAt) }
    }
}
