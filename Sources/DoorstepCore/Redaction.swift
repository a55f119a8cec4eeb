/// What a tenant's photos do about people in the frame. No stored photo should show a
/// recognisable person: `blur` pixelates faces and people before anything is written; `retake` refuses the
/// photo so the courier frames the parcel alone; `off` stores pixels as taken, and only with a
/// lawful reason on record (a tenant whose couriers photograph the recipient with consent, say).
public enum PeoplePolicy: String, Codable, Sendable, CaseIterable {
    case blur
    case retake
    case off
}

/// What was done to a photo before it was stored: how many regions of each kind were pixelated.
/// It records what was done, never what was seen (no positions, no scores).
public struct Redaction: Codable, Sendable, Equatable {
    public var faces: Int
    /// Whole or partial people (bodies, from any side), each pixelated whole: a person whose face
    /// was also found counts once in each.
    public var people: Int
    /// False when redaction was off for this photo (`people_policy` `off`).
    public var searched: Bool
    /// False for a photo searched for faces only, stored before people were looked for: its
    /// `people` is 0 because nobody looked, which the evidence must not read as "no person".
    public var peopleSearched = true

    public init(faces: Int = 0, people: Int = 0, searched: Bool = true) {
        self.faces = faces
        self.people = people
        self.searched = searched
    }

    public static let notSearched = Redaction(faces: 0, people: 0, searched: false)

    public var isEmpty: Bool { faces == 0 && people == 0 }

    private enum CodingKeys: String, CodingKey { case faces, people, searched }

    /// `people` is absent from what was written before people were searched for: none pixelated,
    /// none looked for.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        faces = try container.decode(Int.self, forKey: .faces)
        people = try container.decodeIfPresent(Int.self, forKey: .people) ?? 0
        searched = try container.decode(Bool.self, forKey: .searched)
        peopleSearched = container.contains(.people)
    }
}

extension TenantSettings {
    /// The longest reason an `off` policy may carry.
    public static let peoplePolicyReasonLimit = 500
}
