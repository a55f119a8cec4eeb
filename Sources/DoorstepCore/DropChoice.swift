import Foundation

/// Where the recipient asked, before delivery, for the parcel to go if nobody answers: a safe
/// place ("behind the side gate") or a neighbour ("no. 12, Mrs Smith"). Shown on the courier's
/// stop. A parcel is left with a neighbour only when the recipient chose one: it is their parcel
/// in someone else's hands, which only they can agree to.
public struct DropChoice: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case safePlace = "safe_place"
        case neighbour
    }

    public var kind: Kind
    /// Which place or which neighbour, in the recipient's words.
    public var details: String
    public var chosenAt: Date

    /// Enough for "with the neighbour at no. 12, ring twice, blue door".
    public static let maxDetails = 200

    public init(kind: Kind, details: String, chosenAt: Date) {
        self.kind = kind
        self.details = details
        self.chosenAt = chosenAt
    }

    /// Refuses `placement` where the recipient has not agreed to it (a neighbour they did not choose).
    public static func check(_ placement: Placement, for delivery: Delivery) throws(DoorstepError) {
        if placement == .withNeighbour, delivery.dropChoice?.kind != .neighbour {
            throw .conflict(reason: "a parcel is left with a neighbour only when the recipient chose one on their page")
        }
    }
}
