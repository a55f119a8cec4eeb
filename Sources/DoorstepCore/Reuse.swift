/// Near-duplicate detection on 64-bit difference hashes of thumbnails.
///
/// Threshold from `bench/calibrate_quality.py` on the corpus: re-encoded, resized and cropped (4 % off each side)
/// copies of a photo are 0–16 bits from it (all but one ≤ 11); the closest two different photos are
/// 21 bits apart. 12 bits keeps a margin on both sides.
public enum PerceptualHash {
    public static let nearDuplicateBits = 12

    /// A photo is flagged against its closest earlier matches only: a courier who reuses one photo
    /// on many deliveries is shown by ten as well as by all, and an unbounded list would make each
    /// of their uploads slower than the last (one flag row each, and each in the upload's answer).
    public static let matchesKept = 10

    public static func distance(_ a: UInt64, _ b: UInt64) -> Int { (a ^ b).nonzeroBitCount }

    public static func isNearDuplicate(_ a: UInt64, _ b: UInt64) -> Bool { distance(a, b) <= nearDuplicateBits }
}

/// Whether two deliveries went to the same place, which makes look-alike photos expected rather
/// than suspicious.
///
/// The address text is the strong sign (compared without case, punctuation or spacing, so "12 Rue
/// X" and "12, rue x" agree). Positions within `samePointMeters` catch the flats of one building
/// written differently ("apt 3", "apt 5"): a geocoder puts them on one point. The threshold stays
/// below the 5–8 m between the doors of neighbouring terraced houses, so a neighbour's door photo
/// passed off for this one stays suspicious.
public enum ReusePlace {
    public static let samePointMeters = 4.0

    public static func isSame(address: String, location: Coordinate, asAddress other: String, location otherLocation: Coordinate) -> Bool {
        let (a, b) = (normalized(address), normalized(other))
        // An erased delivery keeps no address (and sits at 0,0): nothing shows it was the same place.
        guard !a.isEmpty, !b.isEmpty else { return false }
        return a == b || location.distance(to: otherLocation) <= samePointMeters
    }

    /// Lower-case letters and digits, runs of anything else as one space.
    static func normalized(_ address: String) -> String {
        address.lowercased().split { !$0.isLetter && !$0.isNumber }.joined(separator: " ")
    }
}
