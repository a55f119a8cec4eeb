/// What a stored image shows. Every kind is sealed, kept and deleted like a photo (retention, the
/// recipient's delete, opt-out, erasure, key rotation, export); only `parcel` photos are "the
/// delivery's photos" (the page's, the receipt's, reuse detection's, proof thumbnails').
public enum PhotoKind: String, Codable, Sendable, CaseIterable {
    /// Where the parcel was left (`PhotoSlot`: one to three of them).
    case parcel
    /// The door at a failed attempt (`DeliveryAttempt`).
    case door
    /// The recipient's signature drawn on the courier's screen (`HandoverProof.signature`).
    case signature
}

/// A delivery's photos are numbered: a tenant asks for one to three (`TenantSettings.photosPerDelivery`),
/// typically the parcel close up, then where it stands. Each slot has its own photo and verdicts;
/// a retake replaces the photo in its slot only.
public enum PhotoSlot {
    public static let range: ClosedRange<Int> = 1...3

    /// `slot` as a courier sends it; absent means 1 (the only photo most tenants ask for).
    public static func parse(_ raw: String?) throws(DoorstepError) -> Int {
        guard let raw else { return 1 }
        guard let slot = Int(raw), range.contains(slot) else {
            throw .invalidInput(field: "slot", reason: "must be a photo number from 1 to \(range.upperBound)")
        }
        return slot
    }

    /// Refuses a slot past what the tenant asks for, before the upload's body is read.
    public static func check(_ slot: Int, wanted: Int) throws(DoorstepError) {
        guard slot <= wanted else {
            throw .invalidInput(field: "slot", reason: "this delivery takes \(wanted) photo\(wanted == 1 ? "" : "s"); photo \(slot) is not one of them")
        }
    }
}
