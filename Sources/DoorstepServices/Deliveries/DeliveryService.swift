import DoorstepCore
import DoorstepSecurity
import DoorstepStorage
import Foundation

/// Deliveries as a tenant sees them.
public struct DeliveryService: Sendable {
    let store: any DeliveryStore & AccountStore & PhotoStore & EvidenceStore & CaseStore
    let privacy: PrivacyService
    let announcer: Announcer
    let links: CustomerLinks
    let effects: Effects

    public init(
        store: any DeliveryStore & AccountStore & PhotoStore & EvidenceStore & CaseStore, privacy: PrivacyService, announcer: Announcer,
        links: CustomerLinks, effects: Effects
    ) {
        self.store = store
        self.privacy = privacy
        self.announcer = announcer
        self.links = links
        self.effects = effects
    }

    public func create(_ input: NewDelivery, for tenant: Tenant) async throws -> Delivery {
        let input = try input.validated()
        if let courierID = input.courierID {
            guard try await store.courier(id: courierID, tenantID: tenant.id) != nil else {
                throw DoorstepError.invalidInput(field: "courier_id", reason: "no such courier")
            }
        }
        let delivery = Delivery(
            id: effects.newID(), tenantID: tenant.id, orderReference: input.orderReference,
            recipient: input.recipient, address: input.address,
            location: try Coordinate(latitude: input.latitude, longitude: input.longitude), country: input.country,
            instructions: input.instructions ?? "", courierID: input.courierID, state: .created,
            createdAt: effects.now(), routePosition: input.routePosition)
        try await store.createDelivery(delivery)
        return delivery
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

    public func list(for tenant: Tenant, limit: Int?, cursor: String?) async throws -> Page {
        let limit = limit ?? 50
        guard (1...200).contains(limit) else { throw DoorstepError.invalidInput(field: "limit", reason: "must be 1 to 200") }
        let after = try cursor.map(PageCursor.decode)
        let deliveries = try await store.deliveries(tenantID: tenant.id, limit: limit, after: after)
        let next = deliveries.count == limit ? deliveries.last.map { PageCursor.encode(DeliveryCursor(createdAt: $0.createdAt, id: $0.id)) } : nil
        return Page(deliveries: deliveries, nextCursor: next)
    }

    /// The courier has the parcel on board: the recipient hears (email with the opt-out link,
    /// before any photo can be taken) and so do the tenant's webhooks. Repeating it changes nothing.
    public func markOutForDelivery(_ delivery: Delivery) async throws -> Delivery {
        let events = [announcer.event(.outForDelivery, tenantID: delivery.tenantID, deliveryID: delivery.id)]
        if try await store.markOutForDelivery(deliveryID: delivery.id, events: events) {
            await announcer.committed(events)
        }
        guard let updated = try await store.delivery(id: delivery.id) else { throw DoorstepError.notFound }
        return updated
    }

    /// The courier left the parcel without a photo (the recipient said no, or photos are off in
    /// the region): the recipient and the tenant hear it was delivered, and where it is.
    public func markDeliveredWithoutPhoto(_ delivery: Delivery, placement: Placement, note: String?) async throws -> Delivery {
        let note = try note.flatMap { value throws(DoorstepError) in
            let text = try Validate.text(value, field: "note", max: 500, allowEmpty: true)
            return text.isEmpty ? nil : text
        }
        let events = [announcer.event(.delivered, tenantID: delivery.tenantID, deliveryID: delivery.id)]
        if try await store.markDeliveredWithoutPhoto(
            deliveryID: delivery.id, placement: placement, note: note, at: effects.now(), events: events) {
            await announcer.committed(events)
        }
        guard let updated = try await store.delivery(id: delivery.id) else { throw DoorstepError.notFound }
        return updated
    }

    /// The current photo with its reuse flags, as the tenant reviews it.
    public func photo(of delivery: Delivery) async throws -> Photo? {
        guard var photo = try await store.currentPhoto(deliveryID: delivery.id) else { return nil }
        photo.reuse = try await store.reuseMatches(photoID: photo.id)
        return photo
    }

    /// What a tenant sees of one delivery besides its fields: the photo policy now, every photo's
    /// proof, and the customer's reports.
    public struct Details: Sendable {
        public var photo: Photo?
        public var policy: PhotoPolicy
        public var proofs: [PhotoProof]
        public var problems: [ProblemReport]
    }

    public func details(of delivery: Delivery) async throws -> Details {
        Details(
            photo: try await photo(of: delivery), policy: try await privacy.policy(for: delivery),
            proofs: try await store.photoProofs(deliveryID: delivery.id), problems: try await store.problemReports(deliveryID: delivery.id))
    }

    /// A courier's stops in route order: every stop not yet delivered, and those delivered in the
    /// last 12 hours (so the courier sees what they just did), each with whether a photo may be taken.
    public func stops(of courier: Courier) async throws -> [(delivery: Delivery, policy: PhotoPolicy)] {
        let deliveries = try await store.deliveries(courierID: courier.id, deliveredSince: effects.now().addingTimeInterval(-12 * 3600))
        return Array(zip(deliveries, try await privacy.policies(for: deliveries)))
    }
}
