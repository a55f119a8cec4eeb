import DoorstepCore
import Foundation

/// Deliveries and the state changes that need no photo.
public protocol DeliveryStore: Sendable {
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
    /// created → out for delivery, with its events, in one transaction; false if not `created`.
    func markOutForDelivery(deliveryID: String, events: [OutboxEvent]) async throws -> Bool
    /// Delivered where no photo may be taken (or none could be): records where the parcel is and
    /// enqueues the events, once. False when the delivery was already delivered.
    func markDeliveredWithoutPhoto(deliveryID: String, placement: Placement, note: String?, at: Date, events: [OutboxEvent]) async throws -> Bool
}
