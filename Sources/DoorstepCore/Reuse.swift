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
