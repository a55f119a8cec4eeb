import DoorstepCore
import DoorstepSecurity
import DoorstepServices
import Foundation

/// The JSON shapes of the public API (snake_case, ISO 8601 times). Kept apart from domain types
/// so the API stays stable when the domain changes.
struct DeliveryResource: Encodable {
    var id: String
    var orderReference: String
    var state: DeliveryState
    var recipient: RecipientResource
    var address: String
    var latitude: Double
    var longitude: Double
    var country: String?
    var instructions: String
    var courierID: String?
    var placement: Placement?
    var note: String?
    var deliveredAt: Date?
    var outForDeliveryAt: Date?
    /// The recipient's safe place or neighbour (couriers see it on their stop).
    var dropChoice: DropChoiceResource?
    /// The code the recipient gives the courier at the door: the tenant's, to put in its own
    /// messages; never sent to couriers.
    var handoverCode: String?
    /// When the courier entered the right code (handed over in person, no photo).
    var handedOverAt: Date?
    var createdAt: Date
    var routePosition: Int?
    var customerURL: String?
    var uploadURL: String?
    /// The recipient's opt-out page: put it in every message to them.
    var preferencesURL: String?
    /// `requested`, `opted_out`, `consent_required` or `photos_off`.
    var photoPolicy: String?
    /// How many photos the courier takes at this stop (courier stops only).
    var photosPerDelivery: Int?
    /// How the courier proves an attended handover at this stop: the recipient's code or their
    /// signature (courier stops only).
    var handoverProof: HandoverProof?
    /// The delivery's first photo (slot 1, or the lowest slot that has one).
    var photo: PhotoResource?
    /// Every live photo by slot, each with its own verdicts (the tenant's full view).
    var photos: [PhotoResource]?
    /// Every photo this delivery had, deleted ones included: what outlives the photo.
    var proofs: [ProofResource]?
    /// What the customer reported.
    var problems: [ProblemResource]?
    /// The courier's failed attempts, oldest first.
    var attempts: [AttemptResource]?

    enum CodingKeys: String, CodingKey {
        case id, orderReference = "order_reference", state, recipient, address, latitude, longitude, country, instructions
        case courierID = "courier_id", placement, note, deliveredAt = "delivered_at", createdAt = "created_at"
        case outForDeliveryAt = "out_for_delivery_at", dropChoice = "drop_choice"
        case handoverCode = "handover_code", handedOverAt = "handed_over_at"
        case routePosition = "route_position"
        case customerURL = "customer_url", uploadURL = "upload_url", preferencesURL = "opt_out_url"
        case photoPolicy = "photo_policy", photosPerDelivery = "photos_per_delivery", handoverProof = "handover_proof"
        case photo, photos, proofs, problems, attempts
    }

    /// A delivery as a courier sees it: what they need at the door, never the recipient's email.
    static func forCourier(_ delivery: Delivery, photo: Photo? = nil, uploadURL: String? = nil) -> DeliveryResource {
        var resource = DeliveryResource(delivery, photo: photo, uploadURL: uploadURL)
        resource.recipient.email = nil
        resource.recipient.phone = nil
        resource.handoverCode = nil
        return resource
    }

    init(_ delivery: Delivery, photo: Photo? = nil, customerURL: String? = nil, uploadURL: String? = nil) {
        id = delivery.id
        orderReference = delivery.orderReference
        state = delivery.state
        let contact = RecipientContact(delivery.recipient)
        recipient = RecipientResource(name: delivery.recipient.name, email: contact.email, language: delivery.recipient.language, phone: contact.phone)
        address = delivery.address
        latitude = delivery.location.latitude
        longitude = delivery.location.longitude
        country = delivery.country
        instructions = delivery.instructions
        courierID = delivery.courierID
        placement = delivery.placement
        note = delivery.note
        deliveredAt = delivery.deliveredAt
        outForDeliveryAt = delivery.outForDeliveryAt
        dropChoice = delivery.dropChoice.map(DropChoiceResource.init)
        handoverCode = delivery.handoverCode
        handedOverAt = delivery.handedOverAt
        createdAt = delivery.createdAt
        routePosition = delivery.routePosition
        self.customerURL = customerURL
        self.uploadURL = uploadURL
        self.photo = photo.map(PhotoResource.init)
    }
}

struct DropChoiceResource: Encodable {
    var kind: DropChoice.Kind
    var details: String
    var chosenAt: Date

    enum CodingKeys: String, CodingKey { case kind, details, chosenAt = "chosen_at" }

    init(_ choice: DropChoice) {
        kind = choice.kind
        details = choice.details
        chosenAt = choice.chosenAt
    }
}

struct ProofResource: Encodable {
    var photoID: String
    var placement: Placement
    var uploadedAt: Date
    var capturedAt: Date?
    var sha256: String
    var distanceToAddressMetres: Double?
    var expiresAt: Date
    var deletedAt: Date?
    var deletedReason: String?
    var location: LocationVerdict
    var qualityIssues: [QualityIssue]
    var freshness: Freshness
    var redaction: Redaction
    var proofThumbnailUntil: Date?
    /// Set for the door photo of a failed attempt.
    var attemptID: String?
    /// Which of the delivery's photos it was (1 to 3).
    var slot: Int
    /// `parcel`, `door` (a failed attempt's) or `signature` (the recipient's, at a handover).
    var kind: PhotoKind
    /// For a signature: the name the recipient wrote beside it.
    var signedBy: String?

    enum CodingKeys: String, CodingKey {
        case slot, kind, signedBy = "signed_by"
        case photoID = "photo_id", placement, uploadedAt = "uploaded_at", capturedAt = "captured_at", sha256
        case distanceToAddressMetres = "distance_to_address_m", expiresAt = "expires_at", deletedAt = "deleted_at"
        case deletedReason = "deleted_reason", location, qualityIssues = "quality_issues", freshness, redaction
        case proofThumbnailUntil = "proof_thumbnail_until", attemptID = "attempt_id"
    }

    init(_ proof: PhotoProof) {
        photoID = proof.photoID
        placement = proof.placement
        uploadedAt = proof.uploadedAt
        capturedAt = proof.capturedAt
        sha256 = proof.sha256
        distanceToAddressMetres = proof.distanceToAddress.map { ($0 * 10).rounded() / 10 }
        expiresAt = proof.expiresAt
        deletedAt = proof.deletedAt
        deletedReason = proof.deletedReason?.rawValue
        location = proof.locationVerdict
        qualityIssues = proof.qualityIssues
        freshness = proof.freshness
        redaction = proof.redaction
        proofThumbnailUntil = proof.proofThumbnailUntil
        attemptID = proof.attemptID
        slot = proof.slot
        kind = proof.kind
        signedBy = proof.signedBy
    }
}

struct RecipientResource: Codable {
    var name: String
    /// Absent where the reader has no need for it (a courier's stop list).
    var email: String?
    var language: Language
    /// E.164, for text messages; absent when there is none (and for a courier).
    var phone: String?
}

struct PhotoResource: Encodable {
    var id: String
    /// Which of the delivery's photos this is (1 to 3; a door photo is 1).
    var slot: Int
    var kind: PhotoKind
    var placement: Placement
    var note: String?
    var capturedAt: Date?
    var uploadedAt: Date
    var width: Int
    var height: Int
    var sha256: String
    var distanceToAddressMetres: Double?
    var location: LocationVerdict
    var quality: QualityResource
    var freshness: Freshness
    var reuse: [ReuseResource]
    var redaction: Redaction
    var expiresAt: Date

    enum CodingKeys: String, CodingKey {
        case id, slot, kind, placement, note, capturedAt = "captured_at", uploadedAt = "uploaded_at", width, height, sha256
        case distanceToAddressMetres = "distance_to_address_m", location, quality, freshness, reuse, redaction, expiresAt = "expires_at"
    }

    init(_ photo: Photo) {
        id = photo.id
        slot = photo.slot
        kind = photo.kind
        placement = photo.placement
        // A signature's note is the signer's printed name: only `proofs[].signed_by` carries it.
        note = photo.kind == .signature ? nil : photo.note
        capturedAt = photo.capturedAt
        uploadedAt = photo.createdAt
        width = photo.display.width
        height = photo.display.height
        sha256 = photo.display.sha256
        distanceToAddressMetres = photo.distanceToAddress.map { ($0 * 10).rounded() / 10 }
        location = photo.locationVerdict
        quality = QualityResource(photo.quality)
        freshness = photo.freshness
        reuse = photo.reuse.map(ReuseResource.init)
        redaction = photo.redaction
        expiresAt = photo.expiresAt
    }
}

/// A flag for review: this photo nearly duplicates another delivery's, at the same address
/// (expected of a regular customer's door) or at another one (suspicious: it opens a case).
struct ReuseResource: Encodable {
    var photoID: String
    var deliveryID: String
    var distanceBits: Int
    var sameCourier: Bool
    var kind: String

    enum CodingKeys: String, CodingKey {
        case photoID = "photo_id", deliveryID = "delivery_id", distanceBits = "distance_bits", sameCourier = "same_courier", kind
    }

    init(_ match: ReuseMatch) {
        photoID = match.photoID
        deliveryID = match.deliveryID
        distanceBits = match.distance
        sameCourier = match.sameCourier
        kind = match.kind
    }
}

/// The quality verdict as the courier app reads it: `retake` with the issues, or `ok`.
struct QualityResource: Encodable {
    var verdict: String
    var issues: [QualityIssue]
    var meanBrightness: Double
    var sharpness: Double

    enum CodingKeys: String, CodingKey {
        case verdict, issues, meanBrightness = "mean_brightness", sharpness
    }

    init(_ quality: PhotoQuality) {
        verdict = quality.isUsable ? "ok" : "retake"
        issues = quality.issues
        meanBrightness = (quality.meanBrightness * 10).rounded() / 10
        sharpness = quality.sharpness.rounded()
    }
}

/// What a tenant posts to create a delivery.
struct CreateDeliveryRequest: Decodable {
    var orderReference: String
    var recipient: RecipientResource
    var address: String
    var latitude: Double
    var longitude: Double
    var instructions: String?
    var courierID: String?
    var country: String?
    var routePosition: Int?

    enum CodingKeys: String, CodingKey {
        case orderReference = "order_reference", recipient, address, latitude, longitude, instructions, courierID = "courier_id", country
        case routePosition = "route_position"
    }

    var newDelivery: NewDelivery {
        NewDelivery(
            orderReference: orderReference,
            recipient: Recipient(name: recipient.name, email: recipient.email ?? "", language: recipient.language, phone: recipient.phone),
            address: address, latitude: latitude, longitude: longitude, instructions: instructions, courierID: courierID, country: country,
            routePosition: routePosition)
    }
}

struct CreateDeliveryBatchRequest: Decodable {
    var deliveries: [CreateDeliveryRequest]
}

struct DeliveryPage: Encodable {
    var items: [DeliveryResource]
    var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case items, nextCursor = "next_cursor"
    }
}

struct UploadResult: Encodable {
    var delivery: DeliveryResource
    var photo: PhotoResource
}

/// A handover against the recipient's signature, as recorded: the stop (now delivered) and the
/// stored drawing's facts.
struct SignatureResult: Encodable {
    var delivery: DeliveryResource
    var signature: PhotoResource
}

/// A courier's failed attempt as recorded: the stop, the attempt, and the door photo's verdicts.
struct AttemptResult: Encodable {
    var delivery: DeliveryResource
    var attempt: AttemptResource
    var photo: PhotoResource?
}

struct AttemptResource: Encodable {
    /// The id of the `delivery.attempted` event that announced it (`data.attempt_id` in the webhook).
    var id: String
    var reason: DeliveryAttempt.Reason
    var note: String?
    var courierID: String
    var photoID: String?
    var attemptedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, reason, note, courierID = "courier_id", photoID = "photo_id", attemptedAt = "attempted_at"
    }

    init(_ attempt: DeliveryAttempt) {
        id = attempt.id
        reason = attempt.reason
        note = attempt.note
        courierID = attempt.courierID
        photoID = attempt.photoID
        attemptedAt = attempt.at
    }
}

struct LoginRequest: Decodable {
    var username: String
    var password: String
    /// The authenticator app's code, for an operator who turned two-step sign-in on.
    var code: String?
}

/// A tenant's privacy settings as the API shows and takes them.
struct SettingsResource: Codable {
    var retentionSeconds: Int
    var consentModes: [String: ConsentMode]
    var emailIncludesPhoto: Bool?
    var qualityPolicy: QualityPolicy?
    var locationRadii: Radii?
    var ticketPolicy: TicketPolicy?
    var peoplePolicy: PeoplePolicy?
    var peoplePolicyReason: String?
    var disputeWindowSeconds: Int?
    var photosPerDelivery: Int?
    var handoverProof: HandoverProof?

    struct Radii: Codable {
        var atAddress: Double
        var near: Double

        enum CodingKeys: String, CodingKey {
            case atAddress = "at_address_m", near = "near_m"
        }
    }

    enum CodingKeys: String, CodingKey {
        case retentionSeconds = "retention_seconds", consentModes = "consent_modes", emailIncludesPhoto = "email_includes_photo"
        case qualityPolicy = "quality_policy", locationRadii = "location_radii", ticketPolicy = "ticket_policy"
        case peoplePolicy = "people_policy", peoplePolicyReason = "people_policy_reason"
        case disputeWindowSeconds = "dispute_window_seconds", photosPerDelivery = "photos_per_delivery"
        case handoverProof = "handover_proof"
    }

    init(_ settings: TenantSettings) {
        retentionSeconds = Int(settings.retention)
        consentModes = settings.consentModes
        emailIncludesPhoto = settings.emailIncludesPhoto
        qualityPolicy = settings.qualityPolicy
        locationRadii = Radii(atAddress: settings.locationRadii.atAddress, near: settings.locationRadii.near)
        ticketPolicy = settings.ticketPolicy
        peoplePolicy = settings.peoplePolicy
        peoplePolicyReason = settings.peoplePolicyReason
        disputeWindowSeconds = Int(settings.disputeWindow)
        photosPerDelivery = settings.photosPerDelivery
        handoverProof = settings.handoverProof
    }

    /// Omitted optional fields take their defaults (PUT replaces the whole settings object).
    var settings: TenantSettings {
        var settings = TenantSettings(
            retention: TimeInterval(retentionSeconds), consentModes: consentModes, emailIncludesPhoto: emailIncludesPhoto ?? false,
            qualityPolicy: qualityPolicy ?? .flag,
            locationRadii: locationRadii.map { LocationRadii(atAddress: $0.atAddress, near: $0.near) } ?? .standard,
            ticketPolicy: ticketPolicy ?? .flag, peoplePolicy: peoplePolicy ?? .blur,
            // Checked whatever the policy, kept with `off` only (TenantSettings.validated).
            peoplePolicyReason: peoplePolicyReason,
            disputeWindow: disputeWindowSeconds.map(TimeInterval.init) ?? TenantSettings.defaultDisputeWindow)
        settings.photosPerDelivery = photosPerDelivery ?? 1
        settings.handoverProof = handoverProof ?? .code
        return settings
    }
}

/// Who to erase: the recipient's email, their number, or both (every delivery to either).
struct EraseRequest: Decodable {
    var email: String?
    var phone: String?
}

struct ProblemResource: Encodable {
    var id: String
    var deliveryID: String
    var kind: ProblemReport.Kind
    var details: String
    var createdAt: Date
    var status: String
    var resolution: String?
    var resolvedAt: Date?
    /// Who works the case: an operator's id, and their name where the caller looked it up.
    var assignee: Assignee?

    struct Assignee: Encodable {
        var id: String
        var displayName: String?

        enum CodingKeys: String, CodingKey { case id, displayName = "display_name" }
    }

    enum CodingKeys: String, CodingKey {
        case id, deliveryID = "delivery_id", kind, details, createdAt = "created_at", status, resolution, resolvedAt = "resolved_at", assignee
    }

    init(_ report: ProblemReport, names: ActorNames) {
        self.init(report)
        assignee?.displayName = names.name(of: .staff, id: report.assigneeID)
    }

    init(_ report: ProblemReport) {
        id = report.id
        deliveryID = report.deliveryID
        kind = report.kind
        details = report.details
        createdAt = report.createdAt
        status = report.isOpen ? "open" : "resolved"
        resolution = report.resolution
        resolvedAt = report.resolvedAt
        assignee = report.assigneeID.map { Assignee(id: $0) }
    }
}

/// A case and its evidence, side by side, as an operator reviews it.
struct CaseResource: Encodable {
    var problem: ProblemResource
    var delivery: DeliveryResource
    /// The photo while it exists; the tenant fetches its bytes from `photo_url` (audited).
    var photo: PhotoResource?
    var photoURL: String?
    var proofs: [ProofResource]
    var reuse: [ReuseResource]
    var receipt: SignedReceipt?
    /// What staff noted on the case, oldest first.
    var notes: [CaseNoteResource]

    enum CodingKeys: String, CodingKey {
        case problem, delivery, photo, photoURL = "photo_url", proofs, reuse, receipt, notes
    }
}

struct ResolveRequest: Decodable {
    var resolution: String
}

struct TicketResource: Encodable {
    var ticket: String
    var expiresAt: Date

    enum CodingKeys: String, CodingKey {
        case ticket, expiresAt = "expires_at"
    }
}
