import Foundation

/// Whether a photo was taken at the door now, not earlier: the courier's app asks the server for
/// a capture ticket when the courier taps "Delivered", and the upload names it.
public enum Freshness: String, Codable, Sendable, CaseIterable {
    case fresh
    /// The upload named no ticket (an old client, or the courier was offline when tapping "Delivered").
    case noTicket = "no_ticket"
    /// No such ticket, or it was issued for another stop or another courier.
    case invalidTicket = "invalid_ticket"
    /// The capture is outside the ticket's few minutes, or the upload came too late.
    case expiredTicket = "expired_ticket"
    /// The ticket already went with another photo: a replay.
    case reusedTicket = "reused_ticket"
    /// The image's own capture time is far from the ticket's (a photo taken on another day).
    case exifMismatch = "exif_mismatch"
}

/// What the tenant wants done with a photo that is not `fresh`.
public enum TicketPolicy: String, Codable, Sendable, CaseIterable {
    case flag
    case refuse
}

public struct CaptureTicket: Sendable, Equatable {
    public var digest: String
    public var deliveryID: String
    public var courierID: String
    public var issuedAt: Date
    /// The photo that used it; nil while unused.
    public var photoID: String?

    public init(digest: String, deliveryID: String, courierID: String, issuedAt: Date, photoID: String? = nil) {
        self.digest = digest
        self.deliveryID = deliveryID
        self.courierID = courierID
        self.issuedAt = issuedAt
        self.photoID = photoID
    }
}

public enum FreshnessRule {
    /// How long after the ticket the photo may be captured.
    public static let captureWindow: TimeInterval = 5 * 60
    /// How long a photo may wait in a phone's queue (no network) before it is too late.
    public static let queueLimit: TimeInterval = 24 * 3600
    /// Phones' clocks drift; the server's is the reference.
    public static let clockSlack: TimeInterval = 60
    /// EXIF times carry no zone: anything within a day's span of zones agrees; last week's does not.
    public static let exifTolerance: TimeInterval = 14 * 3600

    /// - Parameters:
    ///   - ticket: the stored ticket the upload named (nil if unknown); `named` says whether it named one.
    ///   - claimedCapture: when the app says it captured (its clock); the arrival time when absent.
    public static func judge(
        named: Bool, ticket: CaptureTicket?, deliveryID: String, courierID: String,
        claimedCapture: Date?, exifCapture: Date?, arrival: Date
    ) -> Freshness {
        guard named else { return .noTicket }
        guard let ticket, ticket.deliveryID == deliveryID, ticket.courierID == courierID else { return .invalidTicket }
        if ticket.photoID != nil { return .reusedTicket }
        let capture = claimedCapture ?? arrival
        guard capture >= ticket.issuedAt.addingTimeInterval(-clockSlack),
              capture <= ticket.issuedAt.addingTimeInterval(captureWindow + clockSlack),
              capture <= arrival.addingTimeInterval(clockSlack),
              arrival <= ticket.issuedAt.addingTimeInterval(queueLimit)
        else { return .expiredTicket }
        if let exifCapture, abs(exifCapture.timeIntervalSince(capture)) > exifTolerance { return .exifMismatch }
        return .fresh
    }
}

/// A near-duplicate of an earlier photo of another delivery in the same tenant.
public struct ReuseMatch: Codable, Sendable, Equatable {
    public var photoID: String
    public var deliveryID: String
    public var distance: Int
    public var sameCourier: Bool
    /// The earlier delivery went to the same place (`ReusePlace`): a regular customer's door shot
    /// from the same spot, expected to look alike. False is the suspicious kind: the same picture
    /// standing for another address.
    public var sameAddress: Bool

    public init(photoID: String, deliveryID: String, distance: Int, sameCourier: Bool, sameAddress: Bool) {
        self.photoID = photoID
        self.deliveryID = deliveryID
        self.distance = distance
        self.sameCourier = sameCourier
        self.sameAddress = sameAddress
    }

    /// `same_address` or `other_address`, as the API, the case desk and the pack name it.
    public var kind: String { sameAddress ? "same_address" : "other_address" }
}
