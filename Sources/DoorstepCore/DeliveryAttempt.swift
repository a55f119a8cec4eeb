import Foundation

/// A failed delivery attempt: the courier was at the door and could not deliver. Recorded with
/// the reason, an optional note and, where photos are allowed, a photo of the door (redacted like
/// every photo); the recipient hears "we tried" and the tenant gets `delivery.attempted`. The
/// delivery stays open for the next attempt. Its id is the id of the event that announced it,
/// so a webhook receiver and the API name the same attempt.
public struct DeliveryAttempt: Codable, Sendable, Equatable {
    public enum Reason: String, Codable, Sendable, CaseIterable {
        case nobodyHome = "nobody_home"
        case noSafePlace = "no_safe_place"
        case accessImpossible = "access_impossible"
    }

    /// A courier cannot keep adding attempts to one delivery (each may carry a photo, and the
    /// pack lists them all): ten is more than any carrier's re-delivery policy.
    public static let maxPerDelivery = 10

    public var id: String
    public var deliveryID: String
    public var tenantID: String
    public var courierID: String
    public var reason: Reason
    public var note: String?
    /// The door photo, while the attempt has one (a row in the photos table with this attempt's id).
    public var photoID: String?
    public var at: Date

    public init(id: String, deliveryID: String, tenantID: String, courierID: String, reason: Reason, note: String?, photoID: String?, at: Date) {
        (self.id, self.deliveryID, self.tenantID, self.courierID) = (id, deliveryID, tenantID, courierID)
        (self.reason, self.note, self.photoID, self.at) = (reason, note, photoID, at)
    }
}

/// What recording an attempt did.
public enum RecordAttemptResult: Sendable, Equatable {
    case recorded(DeliveryAttempt)
    /// Delivered meanwhile (or before): an attempt no longer makes sense.
    case alreadyDelivered
    /// `DeliveryAttempt.maxPerDelivery` reached.
    case tooMany
}
