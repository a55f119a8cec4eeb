import DoorstepCore
import Foundation

/// The evidence pack as payment processors' dispute APIs take it, beside the PDF: a shop's script
/// uploads the PDF once and sends each processor's part as it is (docs/evidence.md).
///
/// - Stripe (`POST /v1/disputes/{id}`): `evidence` as is, after uploading the PDF with purpose
///   `dispute_evidence` and putting the File id in the field `files` names.
/// - PayPal (`POST /v1/customer/disputes/{id}/provide-evidence`, multipart): `input` as the JSON
///   part, the PDF as `evidence-file`. PayPal's enum has no `PROOF_OF_DELIVERY`: the carrier and
///   tracking number go as `PROOF_OF_FULFILLMENT`, the PDF as `DELIVERY_RECEIPT`.
/// - Braintree: each `text_evidence` item to `add_text_evidence`, the uploaded document (kind
///   `EVIDENCE_DOCUMENT`) to `add_file_evidence` with its category.
public struct ProcessorEvidence: Encodable, Sendable {
    public var format = "doorstep-evidence/1"
    public var deliveryID: String
    public var orderReference: String
    public var language: String
    public var generatedAt: Date
    public var document: Document
    public var facts: Facts
    public var stripe: Stripe
    public var paypal: PayPal
    public var braintree: Braintree

    enum CodingKeys: String, CodingKey {
        case format, deliveryID = "delivery_id", orderReference = "order_reference", language, generatedAt = "generated_at"
        case document, facts, stripe, paypal, braintree
    }

    public struct Document: Encodable, Sendable {
        public var fileName: String
        public var mediaType = "application/pdf"
        /// The API path that renders it (same facts, same language).
        public var path: String

        enum CodingKeys: String, CodingKey { case fileName = "file_name", mediaType = "media_type", path }
    }

    /// The facts in machine form, for a shop's own records or a processor not listed.
    public struct Facts: Encodable, Sendable {
        public var state: DeliveryState
        public var outForDeliveryAt: Date?
        public var deliveredAt: Date?
        public var placement: Placement?
        public var photos: Int
        /// The courier's failed attempts before delivery.
        public var attempts: [Attempt]
        public var location: LocationVerdict?
        public var distanceMetres: Int?
        public var freshness: Freshness?
        /// The current photo's near-duplicates among earlier photos, by where they were taken.
        public var reuseSameAddress: Int
        public var reuseOtherAddress: Int
        public var recipientVisitsAfterDelivery: Int
        public var firstVisitAfterDelivery: Date?
        public var openReports: Int
        public var receiptSHA256: String?
        public var receiptKeyID: String?
        public var receiptJWS: String?

        enum CodingKeys: String, CodingKey {
            case state, outForDeliveryAt = "out_for_delivery_at", deliveredAt = "delivered_at", placement, photos, attempts, location
            case distanceMetres = "distance_m", freshness, reuseSameAddress = "reuse_same_address", reuseOtherAddress = "reuse_other_address"
            case recipientVisitsAfterDelivery = "recipient_visits_after_delivery", firstVisitAfterDelivery = "first_visit_after_delivery"
            case openReports = "open_reports", receiptSHA256 = "receipt_sha256", receiptKeyID = "receipt_kid", receiptJWS = "receipt_jws"
        }
    }

    public struct Attempt: Encodable, Sendable {
        public var attemptedAt: Date
        public var reason: DeliveryAttempt.Reason

        enum CodingKeys: String, CodingKey { case attemptedAt = "attempted_at", reason }
    }

    public struct Stripe: Encodable, Sendable {
        public struct FileUpload: Encodable, Sendable {
            public var purpose = "dispute_evidence"
            public var file: String
            public var evidenceField: String

            enum CodingKeys: String, CodingKey { case purpose, file, evidenceField = "evidence_field" }
        }

        public struct Evidence: Encodable, Sendable {
            public var shippingDate: String
            public var shippingAddress: String
            public var shippingCarrier: String
            public var shippingTrackingNumber: String
            public var uncategorizedText: String

            enum CodingKeys: String, CodingKey {
                case shippingDate = "shipping_date", shippingAddress = "shipping_address", shippingCarrier = "shipping_carrier"
                case shippingTrackingNumber = "shipping_tracking_number", uncategorizedText = "uncategorized_text"
            }
        }

        public var files: [FileUpload]
        public var evidence: Evidence
    }

    public struct PayPal: Encodable, Sendable {
        public struct Input: Encodable, Sendable { public var evidences: [Item] }

        public struct Item: Encodable, Sendable {
            public var evidenceType: String
            public var evidenceInfo: Info?
            public var documents: [Named]?
            public var notes: String

            enum CodingKeys: String, CodingKey { case evidenceType = "evidence_type", evidenceInfo = "evidence_info", documents, notes }
        }

        public struct Info: Encodable, Sendable {
            public var trackingInfo: [Tracking]
            enum CodingKeys: String, CodingKey { case trackingInfo = "tracking_info" }
        }

        public struct Tracking: Encodable, Sendable {
            public var carrierName = "OTHER"
            public var carrierNameOther: String
            public var trackingNumber: String

            enum CodingKeys: String, CodingKey {
                case carrierName = "carrier_name", carrierNameOther = "carrier_name_other", trackingNumber = "tracking_number"
            }
        }

        public struct Named: Encodable, Sendable { public var name: String }

        public var input: Input
        public var evidenceFile: String

        enum CodingKeys: String, CodingKey { case input, evidenceFile = "evidence_file" }
    }

    public struct Braintree: Encodable, Sendable {
        public struct Text: Encodable, Sendable {
            public var category: String
            public var content: String
            public var sequenceNumber: Int?

            enum CodingKeys: String, CodingKey { case category, content, sequenceNumber = "sequence_number" }
        }

        public struct File: Encodable, Sendable {
            public var category: String
            public var document: String
            public var kind = "EVIDENCE_DOCUMENT"
        }

        public var textEvidence: [Text]
        public var fileEvidence: [File]

        enum CodingKeys: String, CodingKey { case textEvidence = "text_evidence", fileEvidence = "file_evidence" }
    }
}

extension ProcessorEvidence {
    /// Processors' own limits on free text: Stripe 20,000 characters for `uncategorized_text`,
    /// PayPal 2,000 for `notes`, 2,000 for `carrier_name_other`, 255 for a tracking number.
    static let stripeTextLimit = 20_000, paypalNotesLimit = 2_000, trackingNumberLimit = 255

    init(_ facts: EvidenceFacts, summary: String, language: Language, fileName: String, path: String) {
        let delivery = facts.delivery
        let current = facts.deliveryPhotos.last?.proof
        let reuse = facts.deliveryPhotos.last?.reuse ?? []
        let visits = facts.visitsAfterDelivery
        let carrier = String(facts.tenant.name.prefix(2_000))
        let tracking = String(delivery.orderReference.prefix(Self.trackingNumberLimit))
        self.init(
            deliveryID: delivery.id, orderReference: delivery.orderReference, language: language.rawValue, generatedAt: facts.generatedAt,
            document: Document(fileName: fileName, path: path),
            facts: Facts(
                state: delivery.state, outForDeliveryAt: delivery.outForDeliveryAt, deliveredAt: delivery.deliveredAt,
                placement: delivery.placement, photos: facts.deliveryPhotos.count,
                attempts: facts.attempts.map { Attempt(attemptedAt: $0.at, reason: $0.reason) },
                location: current?.locationVerdict, distanceMetres: current?.distanceToAddress.map { Int($0.rounded()) },
                freshness: current?.freshness, reuseSameAddress: reuse.filter(\.sameAddress).count,
                reuseOtherAddress: reuse.filter { !$0.sameAddress }.count, recipientVisitsAfterDelivery: visits.count, firstVisitAfterDelivery: visits.first?.at,
                openReports: facts.openReports, receiptSHA256: facts.receiptDigest, receiptKeyID: facts.receipt?.keyID,
                receiptJWS: facts.receipt?.jws),
            stripe: Stripe(
                files: [.init(file: fileName, evidenceField: "shipping_documentation")],
                evidence: .init(
                    shippingDate: Self.day(delivery.outForDeliveryAt ?? delivery.createdAt), shippingAddress: delivery.address, shippingCarrier: carrier,
                    shippingTrackingNumber: tracking, uncategorizedText: String(summary.prefix(Self.stripeTextLimit)))),
            paypal: PayPal(
                input: .init(evidences: [
                    .init(evidenceType: "PROOF_OF_FULFILLMENT",
                          evidenceInfo: .init(trackingInfo: [.init(carrierNameOther: carrier, trackingNumber: tracking)]),
                          notes: String(summary.prefix(Self.paypalNotesLimit))),
                    .init(evidenceType: "DELIVERY_RECEIPT", documents: [.init(name: fileName)], notes: String(summary.prefix(Self.paypalNotesLimit))),
                ]),
                evidenceFile: fileName),
            braintree: Braintree(
                textEvidence: [
                    .init(category: "CARRIER_NAME", content: carrier, sequenceNumber: 1),
                    .init(category: "TRACKING_NUMBER", content: tracking, sequenceNumber: 1),
                    .init(category: "GENERAL", content: String(summary.prefix(Self.stripeTextLimit))),
                ],
                fileEvidence: [.init(category: "PROOF_OF_DELIVERY", document: fileName)]))
    }

    /// A calendar day as processors read it (ISO 8601, UTC).
    static func day(_ date: Date) -> String {
        String(ISO8601DateFormatter.string(from: date, timeZone: .gmt, formatOptions: [.withFullDate]))
    }
}
