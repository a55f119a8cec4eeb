/// Near-duplicate detection on 64-bit difference hashes of thumbnails.
///
/// Threshold from `bench/calibrate_quality.py` on the corpus: re-encoded, resized and cropped (4 % off each side)
/// copies of a photo are 0–16 bits from it (all but one ≤ 11); the closest two different photos are
/// 21 bits apart. 12 bits keeps a margin on both sides.
public enum PerceptualHash {
    public static let nearDuplicateBits = 12

    public static func distance(_ a: UInt64, _ b: UInt64) -> Int { (a ^ b).nonzeroBitCount }

    public static func isNearDuplicate(_ a: UInt64, _ b: UInt64) -> Bool { distance(a, b) <= nearDuplicateBits }
}
