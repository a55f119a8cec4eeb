import Crypto
import DoorstepCore
import DoorstepSecurity
import Foundation

/// Everything an evidence pack states about one delivery, read once from the store: the PDF and
/// the processors' JSON are two renderings of these same facts.
public struct EvidenceFacts: Sendable {
    public var tenant: Tenant
    public var delivery: Delivery
    /// Every photo the delivery ever had (door photos of failed attempts included), oldest first;
    /// `jpeg` only for those that still exist (or their proof thumbnail).
    public var photos: [PhotoEvidence]
    /// The courier's failed attempts, oldest first (at most `DeliveryAttempt.maxPerDelivery`).
    public var attempts: [DeliveryAttempt]
    public var timeline: [TimelineEntry]
    /// True when the recipient's visits were cut to the latest `EvidencePackService.visitsListed`.
    public var visitsTruncated: Bool
    /// The latest reports (at most `EvidencePackService.reportsListed`).
    public var reports: [ProblemReport]
    /// Open reports among all of them, not only those listed.
    public var openReports: Int
    public var receipt: SignedReceipt?
    /// Where a verifier finds the keys (`…/.well-known/jwks.json`).
    public var keySetURL: String
    public var generatedAt: Date

    public struct PhotoEvidence: Sendable {
        public var proof: PhotoProof
        public var jpeg: [UInt8]?
        /// Earlier photos it nearly duplicates (kept after the photo is gone).
        public var reuse: [ReuseMatch]
    }

    public struct TimelineEntry: Sendable, Equatable {
        public enum Kind: String, Sendable, CaseIterable {
            case created, outForDelivery = "out_for_delivery", attempt, delivered, photo, report, resolved
            case viewPage = "view_page", viewPhoto = "view_photo", download, delete
        }

        public var at: Date
        public var kind: Kind
    }

    /// The delivery's own photos, without the door photos of attempts.
    public var deliveryPhotos: [PhotoEvidence] { photos.filter { $0.proof.isParcelPhoto } }

    /// The receipt's signed bytes' SHA-256, in hex: what the pack and the JSON cite.
    public var receiptDigest: String? {
        receipt.flatMap { Base64URL.decode($0.payload) }.map { Hex.encode(SHA256.hash(data: $0)) }
    }

    /// Visits by the recipient after the parcel was delivered: the fact a "not received" claim
    /// has to answer.
    public var visitsAfterDelivery: [TimelineEntry] {
        guard let deliveredAt = delivery.deliveredAt else { return [] }
        return timeline.filter { [.viewPage, .viewPhoto, .download].contains($0.kind) && $0.at >= deliveredAt }
    }
}
