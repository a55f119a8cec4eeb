import DoorstepCore
import DoorstepSecurity
import DoorstepStorage
import Foundation

/// Deliveries as a tenant sees them.
public struct DeliveryService: Sendable {
    let store: any DeliveryStore & AccountStore & PhotoStore & EvidenceStore & CaseStore & OutboxStore
    let privacy: PrivacyService
    let announcer: Announcer
    let links: CustomerLinks
    let effects: Effects

    public init(
        store: any DeliveryStore & AccountStore & PhotoStore & EvidenceStore & CaseStore & OutboxStore, privacy: PrivacyService,
        announcer: Announcer, links: CustomerLinks, effects: Effects
    ) {
        self.store = store
        self.privacy = privacy
        self.announcer = announcer
        self.links = links
        self.effects = effects
    }

    public func create(_ input: NewDelivery, for tenant: Tenant) async throws -> Delivery {
        try await create([input], for: tenant, idempotency: nil, asBatch: false).deliveries[0]
    }

    /// The largest batch: a day's manifest for a depot, in one request.
    public static let maxBatch = 500

    /// An Idempotency-Key and the fingerprint of the request that carries it (a digest of its body).
    public struct Idempotency: Sendable {
        public var key: String
        public var fingerprint: String

        public init(key: String, fingerprint: String) {
            (self.key, self.fingerprint) = (key, fingerprint)
        }
    }

    /// Creates every delivery or none. A single creation fails as `invalidInput` (or `conflict`
    /// for a taken order reference); a batch, even of one, fails as `batchInvalid` naming every
    /// failing item. With `idempotency`, a key used before with the same request
    /// answers what that request made (`replayed`), with another request `idempotencyKeyReused`.
    public func create(
        _ inputs: [NewDelivery], for tenant: Tenant, idempotency: Idempotency?, asBatch: Bool
    ) async throws -> (deliveries: [Delivery], replayed: Bool) {
        guard (1...Self.maxBatch).contains(inputs.count) else {
            throw DoorstepError.invalidInput(field: "deliveries", reason: "must hold 1 to \(Self.maxBatch) deliveries")
        }
        var failures: [BatchItemError] = []
        var checked: [NewDelivery] = []
        var firstUse: [String: Int] = [:]
        var couriers: [String: Bool] = [:]
        for (index, input) in inputs.enumerated() {
            do {
                let input = try input.validated()
                if let courierID = input.courierID {
                    if couriers[courierID] == nil { couriers[courierID] = try await store.courier(id: courierID, tenantID: tenant.id) != nil }
                    guard couriers[courierID] == true else { throw DoorstepError.invalidInput(field: "courier_id", reason: "no such courier") }
                }
                if let earlier = firstUse[input.orderReference] {
                    throw DoorstepError.invalidInput(field: "order_reference", reason: "repeats item \(earlier) of this batch")
                }
                firstUse[input.orderReference] = index
                checked.append(input)
            } catch DoorstepError.invalidInput(let field, let reason) where asBatch {
                failures.append(BatchItemError(index: index, field: field, reason: reason))
            }
        }
        guard failures.isEmpty else { throw DoorstepError.batchInvalid(failures) }
        let now = effects.now()
        let deliveries = try checked.map { input in
            Delivery(
                id: effects.newID(), tenantID: tenant.id, orderReference: input.orderReference,
                recipient: input.recipient, address: input.address,
                location: try Coordinate(latitude: input.latitude, longitude: input.longitude), country: input.country,
                instructions: input.instructions ?? "", courierID: input.courierID, state: .created,
                createdAt: now, routePosition: input.routePosition, handoverCode: HandoverCode.generate())
        }
        let claim = idempotency.map {
            DeliveryRequestClaim(tenantID: tenant.id, key: $0.key, fingerprint: $0.fingerprint, deliveryIDs: deliveries.map(\.id), createdAt: now)
        }
        switch try await store.createDeliveries(deliveries, claim: claim) {
        case .created:
            return (deliveries, false)
        case .earlier(let earlier):
            guard earlier.fingerprint == claim?.fingerprint else { throw DoorstepError.idempotencyKeyReused }
            var made: [Delivery] = []
            for id in earlier.deliveryIDs {
                guard let delivery = try await store.delivery(id: id, tenantID: tenant.id) else { throw DoorstepError.notFound }
                made.append(delivery)
            }
            return (made, true)
        case .orderReferenceTaken:
            if !asBatch { throw DoorstepError.conflict(reason: "this order reference already has a delivery") }
            // Every item whose reference is taken, not only the first the insert met.
            let taken = try await store.usedOrderReferences(tenantID: tenant.id, among: deliveries.map(\.orderReference))
            throw DoorstepError.batchInvalid(deliveries.enumerated().filter { taken.contains($0.element.orderReference) }.map {
                BatchItemError(index: $0.offset, field: "order_reference", reason: "already has a delivery")
            })
        }
    }

    /// A tenant's delivery; another tenant's looks exactly like one that does not exist.
    public func get(_ id: String, for tenant: Tenant) async throws -> Delivery {
        guard Identifier.isValid(id), let delivery = try await store.delivery(id: id, tenantID: tenant.id) else {
            throw DoorstepError.notFound
        }
        return delivery
    }

    public struct Page: Sendable {
        public var deliveries: [Delivery]
        public var nextCursor: String?
    }

    /// A page of the tenant's deliveries, newest first, narrowed by `filter`; the cursor carries
    /// only the position, so the next page is asked with the same filter.
    public func list(for tenant: Tenant, filter: DeliveryFilter = DeliveryFilter(), limit: Int?, cursor: String?) async throws -> Page {
        let limit = limit ?? 50
        guard (1...200).contains(limit) else { throw DoorstepError.invalidInput(field: "limit", reason: "must be 1 to 200") }
        let after = try cursor.map(PageCursor.decode)
        var filter = filter
        // Matched as it was stored: trimmed, as creation keeps it.
        filter.orderReference = try filter.orderReference.map { reference throws(DoorstepError) in
            try Validate.text(reference, field: "order_reference", max: 100)
        }
        if let courierID = filter.courierID, !Identifier.isValid(courierID) {
            throw DoorstepError.invalidInput(field: "courier_id", reason: "is not a courier id")
        }
        let deliveries = try await store.deliveries(tenantID: tenant.id, filter: filter, limit: limit, after: after)
        let next = deliveries.count == limit ? deliveries.last.map { PageCursor.encode(DeliveryCursor(createdAt: $0.createdAt, id: $0.id)) } : nil
        return Page(deliveries: deliveries, nextCursor: next)
    }

    /// The courier has the parcel on board: the recipient hears (email with the opt-out link,
    /// before any photo can be taken) and so do the tenant's webhooks. Repeating it changes nothing.
    public func markOutForDelivery(_ delivery: Delivery) async throws -> Delivery {
        let events = [announcer.event(.outForDelivery, tenantID: delivery.tenantID, deliveryID: delivery.id)]
        if try await store.markOutForDelivery(deliveryID: delivery.id, at: effects.now(), events: events) {
            await announcer.committed(events)
        }
        guard let updated = try await store.delivery(id: delivery.id) else { throw DoorstepError.notFound }
        return updated
    }

    /// The recipient gave the courier their code at the door: handed over in person, no photo.
    /// A code that is not six digits is refused without counting (a typo the app can catch);
    /// a wrong one counts, and after `HandoverCode.maxFailures` the code no longer works.
    public func handOver(_ delivery: Delivery, code typed: String, note: String?) async throws -> Delivery {
        guard let code = HandoverCode.normalized(typed) else {
            throw DoorstepError.invalidInput(field: "code", reason: "must be the recipient's \(HandoverCode.digits) digits")
        }
        let note = try Self.note(note)
        // Where the tenant requires a signature instead, a code is not proof enough (nor shown to the recipient).
        if try await store.tenant(id: delivery.tenantID)?.settings.handoverProof == .signature {
            throw DoorstepError.conflict(reason: "this shop takes the recipient's signature, not a handover code")
        }
        let events = [announcer.event(.delivered, tenantID: delivery.tenantID, deliveryID: delivery.id)]
        switch try await store.handOver(
            deliveryID: delivery.id, code: code, note: note, maxFailures: HandoverCode.maxFailures, at: effects.now(), events: events) {
        case .handedOver(let updated):
            await announcer.committed(events)
            return updated
        case .wrongCode(let left):
            throw DoorstepError.invalidInput(field: "code", reason: "is not the recipient's code; \(left) \(left == 1 ? "try" : "tries") left")
        case .locked:
            throw DoorstepError.conflict(reason: "the handover code no longer works here: deliver with a photo or without one")
        case .alreadyDelivered:
            throw DoorstepError.alreadyDelivered
        }
    }

    /// A courier's note: at most 500 characters, none when blank.
    static func note(_ note: String?) throws(DoorstepError) -> String? {
        try note.flatMap { value throws(DoorstepError) in
            let text = try Validate.text(value, field: "note", max: 500, allowEmpty: true)
            return text.isEmpty ? nil : text
        }
    }

    /// The courier left the parcel without a photo (the recipient said no, or photos are off in
    /// the region): the recipient and the tenant hear it was delivered, and where it is.
    public func markDeliveredWithoutPhoto(_ delivery: Delivery, placement: Placement, note: String?) async throws -> Delivery {
        try DropChoice.check(placement, for: delivery)
        let note = try Self.note(note)
        let events = [announcer.event(.delivered, tenantID: delivery.tenantID, deliveryID: delivery.id)]
        // Why there is no photo, when the policy said no (the dashboard counts opt-outs by it);
        // otherwise the courier chose to take none.
        var withheld: PhotoPolicy.Reason?
        if case .notAllowed(let reason) = try await privacy.policy(for: delivery) { withheld = reason }
        if try await store.markDeliveredWithoutPhoto(
            deliveryID: delivery.id, placement: placement, note: note, withheld: withheld, at: effects.now(), events: events) {
            await announcer.committed(events)
        }
        guard let updated = try await store.delivery(id: delivery.id) else { throw DoorstepError.notFound }
        // Not delivered and not changed: the recipient withdrew the neighbour meanwhile.
        if updated.state != .delivered { try DropChoice.check(placement, for: updated) }
        return updated
    }

    /// The delivery's first photo with its reuse flags, as the tenant reviews it.
    public func photo(of delivery: Delivery) async throws -> Photo? {
        guard var photo = try await store.currentPhoto(deliveryID: delivery.id) else { return nil }
        photo.reuse = try await store.reuseMatches(photoID: photo.id)
        return photo
    }

    /// Every live photo of the delivery by slot, each with its reuse flags.
    public func photos(of delivery: Delivery) async throws -> [Photo] {
        var photos = try await store.currentPhotos(deliveryID: delivery.id)
        for index in photos.indices { photos[index].reuse = try await store.reuseMatches(photoID: photos[index].id) }
        return photos
    }

    /// What a tenant sees of one delivery besides its fields: the photo policy now, every photo's
    /// proof, the customer's reports and the courier's failed attempts.
    public struct Details: Sendable {
        /// The live photos by slot (most tenants ask for one).
        public var photos: [Photo]
        public var photo: Photo? { photos.first }
        public var policy: PhotoPolicy
        public var proofs: [PhotoProof]
        public var problems: [ProblemReport]
        public var attempts: [DeliveryAttempt]
    }

    public func details(of delivery: Delivery) async throws -> Details {
        Details(
            photos: try await photos(of: delivery), policy: try await privacy.policy(for: delivery),
            proofs: try await store.photoProofs(deliveryID: delivery.id), problems: try await store.problemReports(deliveryID: delivery.id),
            attempts: try await store.attempts(deliveryID: delivery.id))
    }

    /// A delivery causes a handful of events, each a message per channel and endpoint: a page of
    /// this many is every one a real delivery has.
    public static let maxNotificationsShown = 200

    /// What the delivery's events sent or are sending to the customer (email, text message) and
    /// to the tenant's webhooks, with each one's outcome, oldest first.
    public func notifications(of delivery: Delivery) async throws -> [OutboxMessage] {
        try await store.outboxMessages(deliveryID: delivery.id, limit: Self.maxNotificationsShown)
    }

    /// The tenant's settings, as its couriers' stops need them (how many photos, which handover proof).
    public func settings(tenantID: String) async throws -> TenantSettings {
        try await store.tenant(id: tenantID)?.settings ?? TenantSettings()
    }

    /// A courier's stops in route order: every stop not yet delivered, and those delivered in the
    /// last 12 hours (so the courier sees what they just did), each with whether a photo may be taken.
    public func stops(of courier: Courier) async throws -> [(delivery: Delivery, policy: PhotoPolicy)] {
        let deliveries = try await store.deliveries(courierID: courier.id, deliveredSince: effects.now().addingTimeInterval(-12 * 3600))
        return Array(zip(deliveries, try await privacy.policies(for: deliveries)))
    }
}
