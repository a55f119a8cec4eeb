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

    /// The recipient's words, as the courier's screen and a processor's text evidence will show
    /// them: one line (a newline could pass off the next words as a fact of the pack's), no
    /// invisible format characters (a right-to-left override reorders what the courier reads),
    /// at most `maxDetails` code points (what the API's schema counts).
    public static func details(_ typed: String) throws(DoorstepError) -> String {
        let text = try Validate.text(typed, field: "details", max: maxDetails)
        if text.unicodeScalars.contains(where: { $0 == "\n" || $0.properties.generalCategory == .format || $0.properties.generalCategory == .lineSeparator || $0.properties.generalCategory == .paragraphSeparator }) {
            throw .invalidInput(field: "details", reason: "must be one line of plain text")
        }
        if text.unicodeScalars.count > maxDetails {
            throw .invalidInput(field: "details", reason: "must be at most \(maxDetails) characters")
        }
        return text
    }

    /// Refuses `placement` where the recipient has not agreed to it (a neighbour they did not choose).
    public static func check(_ placement: Placement, for delivery: Delivery?) throws(DoorstepError) {
        if placement == .withNeighbour, delivery?.dropChoice?.kind != .neighbour {
            throw .conflict(reason: "a parcel is left with a neighbour only when the recipient chose one on their page")
        }
    }
}
