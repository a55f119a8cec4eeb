import DoorstepCore
import Foundation

/// Deliveries and the state changes that need no photo.
public protocol DeliveryStore: Sendable {
    /// Every delivery or none, in one transaction. With a claim, its Idempotency-Key is claimed
    /// first: a key the tenant already used answers that earlier request (`.earlier`), and a
    /// concurrent twin waits for this one and then sees it.
    func createDeliveries(_ deliveries: [Delivery], claim: DeliveryRequestClaim?) async throws -> CreateDeliveriesResult
    /// Which of `references` the tenant's deliveries already use.
    func usedOrderReferences(tenantID: String, among references: [String]) async throws -> Set<String>
    func delivery(id: String, tenantID: String) async throws -> Delivery?
    /// Unscoped: only for callers that hold a capability for this delivery (a signed link, a courier
    /// check on `courierID`).
    func delivery(id: String) async throws -> Delivery?
    /// Newest first, those that pass `filter`; `after` is the last delivery of the previous page.
    func deliveries(tenantID: String, filter: DeliveryFilter, limit: Int, after: DeliveryCursor?) async throws -> [Delivery]
    /// A courier's stops in route order: every one not yet delivered, and those delivered since `deliveredSince`.
    func deliveries(courierID: String, deliveredSince: Date) async throws -> [Delivery]
    /// created → out for delivery, with its events, in one transaction; false if not `created`.
    func markOutForDelivery(deliveryID: String, at: Date, events: [OutboxEvent]) async throws -> Bool
    /// Delivered where no photo may be taken (or none could be): records where the parcel is and
    /// enqueues the events, once. False when the delivery was already delivered.
    /// Records (or, nil, clears) the recipient's safe place or neighbour; nil when the delivery is
    /// already delivered or erased (nothing changed).
    func setDropChoice(deliveryID: String, _ choice: DropChoice?) async throws -> Delivery?
    /// The courier typed `code` at the door: delivered (handed to a resident, `handed_over_at`)
    /// when it is the delivery's and fewer than `maxFailures` wrong codes came before; else the
    /// wrong try is counted.
    func handOver(deliveryID: String, code: String, note: String?, maxFailures: Int, at: Date, events: [OutboxEvent]) async throws -> HandoverResult
    /// In ONE transaction: unless the delivery is delivered or already has
    /// `DeliveryAttempt.maxPerDelivery` attempts (both judged under the delivery's row lock),
    /// records the attempt with its door photo (the blobs already written; the row carries the
    /// attempt's id), queues `events` and records `audit`.
    func recordAttempt(_ attempt: DeliveryAttempt, photo: Photo?, events: [OutboxEvent], audit: AccessEvent?) async throws -> RecordAttemptResult
    /// The delivery's attempts, oldest first.
    func attempts(deliveryID: String) async throws -> [DeliveryAttempt]
    /// `withheld`: why no photo could be taken (the photo policy at the time), if it could not.
    func markDeliveredWithoutPhoto(
        deliveryID: String, placement: Placement, note: String?, withheld: PhotoPolicy.Reason?, at: Date, events: [OutboxEvent]
    ) async throws -> Bool
}
