import DoorstepCore
import DoorstepSecurity
import DoorstepStorage
import Foundation

/// Deliveries as a tenant sees them.
public struct DeliveryService: Sendable {
    let dependencies: AppDependencies

    public func create(_ input: NewDelivery, for tenant: Tenant) async throws -> Delivery {
        let input = try input.validated()
        if let courierID = input.courierID {
            guard try await dependencies.store.courier(id: courierID, tenantID: tenant.id) != nil else {
                throw DoorstepError.invalidInput(field: "courier_id", reason: "no such courier")
            }
        }
        let delivery = Delivery(
            id: dependencies.effects.newID(), tenantID: tenant.id, orderReference: input.orderReference,
            recipient: input.recipient, address: input.address,
            location: try Coordinate(latitude: input.latitude, longitude: input.longitude), country: input.country,
            instructions: input.instructions ?? "", courierID: input.courierID, state: .created,
            createdAt: dependencies.effects.now(), routePosition: input.routePosition)
        try await dependencies.store.createDelivery(delivery)
        return delivery
    }

    /// A tenant's delivery; another tenant's looks exactly like one that does not exist.
    public func get(_ id: String, for tenant: Tenant) async throws -> Delivery {
        guard Identifier.isValid(id), let delivery = try await dependencies.store.delivery(id: id, tenantID: tenant.id) else {
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
        let deliveries = try await dependencies.store.deliveries(tenantID: tenant.id, limit: limit, after: after)
        let next = deliveries.count == limit ? deliveries.last.map { PageCursor.encode(DeliveryCursor(createdAt: $0.createdAt, id: $0.id)) } : nil
        return Page(deliveries: deliveries, nextCursor: next)
    }

    /// The courier has the parcel on board: the recipient hears (email with the opt-out link,
    /// before any photo can be taken) and so do the tenant's webhooks. Repeating it changes nothing.
    public func markOutForDelivery(_ delivery: Delivery) async throws -> Delivery {
        let events = [dependencies.announcer.event(.outForDelivery, tenantID: delivery.tenantID, deliveryID: delivery.id)]
        if try await dependencies.store.markOutForDelivery(deliveryID: delivery.id, events: events) {
            await dependencies.announcer.committed(events)
        }
        guard let updated = try await dependencies.store.delivery(id: delivery.id) else { throw DoorstepError.notFound }
        return updated
    }

    /// The courier left the parcel without a photo (the recipient said no, or photos are off in
    /// the region): the recipient and the tenant hear it was delivered, and where it is.
    public func markDeliveredWithoutPhoto(_ delivery: Delivery, placement: Placement, note: String?) async throws -> Delivery {
        let note = try note.flatMap { value throws(DoorstepError) in
            let text = try Validate.text(value, field: "note", max: 500, allowEmpty: true)
            return text.isEmpty ? nil : text
        }
        let events = [dependencies.announcer.event(.delivered, tenantID: delivery.tenantID, deliveryID: delivery.id)]
        if try await dependencies.store.markDeliveredWithoutPhoto(
            deliveryID: delivery.id, placement: placement, note: note, at: dependencies.effects.now(), events: events) {
            await dependencies.announcer.committed(events)
        }
        guard let updated = try await dependencies.store.delivery(id: delivery.id) else { throw DoorstepError.notFound }
        return updated
    }

    /// The current photo with its reuse flags, as the tenant reviews it.
    public func photo(of delivery: Delivery) async throws -> Photo? {
        guard var photo = try await dependencies.store.currentPhoto(deliveryID: delivery.id) else { return nil }
        photo.reuse = try await dependencies.store.reuseMatches(photoID: photo.id)
        return photo
    }

    /// The signed page the customer opens. Anyone holding it may see the delivery until it expires.
    public func customerURL(for delivery: Delivery) -> String {
        let signature = dependencies.links.sign(
            deliveryID: delivery.id, expires: dependencies.effects.now().addingTimeInterval(dependencies.configuration.customerLinkLifetime))
        return "\(dependencies.configuration.resolvedBaseURL)/d/\(delivery.id)?e=\(signature.expires)&s=\(signature.mac)"
    }

    public func uploadURL(for delivery: Delivery) -> String {
        "\(dependencies.configuration.resolvedBaseURL)/api/v1/courier/deliveries/\(delivery.id)/photo"
    }
}

/// Opaque page cursors: "<created ms>.<id>" in base64url. Opaque so clients don't build them.
enum PageCursor {
    static func encode(_ cursor: DeliveryCursor) -> String {
        let raw = "\(Int64((cursor.createdAt.timeIntervalSince1970 * 1000).rounded())).\(cursor.id)"
        return Base64URL.encode(Array(raw.utf8))
    }

    static func decode(_ text: String) throws(DoorstepError) -> DeliveryCursor {
        guard let bytes = Base64URL.decode(text), let raw = String(bytes: bytes, encoding: .utf8) else {
            throw .invalidInput(field: "cursor", reason: "is not a cursor from a previous page")
        }
        let parts = raw.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let ms = Int64(parts[0]), Identifier.isValid(String(parts[1])) else {
            throw .invalidInput(field: "cursor", reason: "is not a cursor from a previous page")
        }
        return DeliveryCursor(createdAt: Date(timeIntervalSince1970: Double(ms) / 1000), id: String(parts[1]))
    }
}
