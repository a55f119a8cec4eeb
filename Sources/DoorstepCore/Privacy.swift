import Foundation

/// Whether photos are taken for recipients in a region: opt-out (photos unless the recipient said
/// no, as in the US/UK), opt-in (only once the recipient said yes, as EU regulators prefer), or off.
public enum ConsentMode: String, Codable, Sendable, CaseIterable {
    case optOut = "opt_out"
    case optIn = "opt_in"
    case off
}

/// What a recipient said about photos of their deliveries.
public enum RecipientChoice: String, Codable, Sendable {
    case optedOut = "opted_out"
    case optedIn = "opted_in"
}

/// Whom a choice covers: every delivery to an email address, to a mobile number, or to a street address.
public enum ChoiceScope: String, Codable, Sendable, CaseIterable {
    case email, phone, address
}

/// How a recipient is reached, and so who a "no photos", an export or an erasure is about: an
/// email, a mobile number (E.164), or both. A recipient reached by text alone has no email.
public struct RecipientContact: Sendable, Equatable {
    public private(set) var email: String?
    public private(set) var phone: String?

    /// From what a tenant or operator typed: each given one validated, at least one required.
    public init(email: String?, phone: String?) throws(DoorstepError) {
        self.email = try email.map(Validate.email)
        self.phone = try phone.map(Validate.phone)
        guard self.email != nil || self.phone != nil else {
            throw .invalidInput(field: "recipient", reason: "needs an email or a mobile number")
        }
    }

    /// A stored recipient's contact ("" is a recipient without email, or an erased one).
    public init(_ recipient: Recipient) {
        email = recipient.email.isEmpty ? nil : recipient.email
        phone = recipient.phone
    }

    /// The email alone when there is one: a number may be shared (a household, a switchboard),
    /// so what deletes photos goes by the most personal contact.
    public var mostPersonal: RecipientContact {
        var contact = self
        if email != nil { contact.phone = nil }
        return contact
    }

    /// The choice scopes this contact is known under.
    public var scopes: [(ChoiceScope, String)] {
        [email.map { (ChoiceScope.email, $0) }, phone.map { (ChoiceScope.phone, $0) }].compactMap { $0 }
    }
}

/// Whether the courier may photograph this delivery, and why not.
public enum PhotoPolicy: Equatable, Sendable {
    case requested
    case notAllowed(Reason)

    public enum Reason: String, Codable, Sendable {
        case optedOut = "opted_out"
        case consentRequired = "consent_required"
        case photosOff = "photos_off"
        /// The customer deleted this delivery's photo: a courier may not put another in its place.
        case deletedByCustomer = "deleted_by_customer"
        /// An open case holds the delivery's photo: a retake would replace the evidence in dispute.
        /// Resolving the case lifts it.
        case heldByCase = "held_by_case"
    }

    /// A "no" always wins: an opt-out by email or by address, or the region being off. In opt-in
    /// regions, the recipient must have said yes first.
    public static func evaluate(mode: ConsentMode, choices: [ChoiceScope: RecipientChoice]) -> PhotoPolicy {
        if mode == .off { return .notAllowed(.photosOff) }
        if choices.values.contains(.optedOut) { return .notAllowed(.optedOut) }
        if mode == .optIn && !choices.values.contains(.optedIn) { return .notAllowed(.consentRequired) }
        return .requested
    }

    public var code: String {
        switch self {
        case .requested: "requested"
        case .notAllowed(let reason): reason.rawValue
        }
    }
}

/// A tenant's privacy settings.
public struct TenantSettings: Codable, Sendable, Equatable {
    /// How long a photo lives after upload.
    public var retention: TimeInterval
    /// Consent mode by ISO 3166-1 alpha-2 country code; "*" is the default for all others.
    public var consentModes: [String: ConsentMode]
    /// Put the thumbnail inside the "delivered" email. Off by default: a photo in a mailbox
    /// escapes deletion, so the email links to the signed page instead.
    public var emailIncludesPhoto: Bool
    /// Keep-and-flag or refuse a photo with quality issues.
    public var qualityPolicy: QualityPolicy
    /// Radii of the location verdict.
    public var locationRadii: LocationRadii
    /// Keep-and-flag or refuse a photo without a valid capture ticket.
    public var ticketPolicy: TicketPolicy
    /// Blur people, ask for a retake, or (with `peoplePolicyReason`) store pixels as taken.
    public var peoplePolicy: PeoplePolicy
    /// Why people are not redacted: required when `peoplePolicy` is `off`, nil otherwise.
    public var peoplePolicyReason: String?
    /// How long after upload a proof thumbnail outlives the photo, for card disputes opened after
    /// the photo is gone; 0 keeps none.
    public var disputeWindow: TimeInterval
    /// How many photos a courier takes of a delivered parcel (`PhotoSlot.range`): the parcel
    /// close up, then where it stands, then the door.
    public var photosPerDelivery: Int = 1
    /// What proves an attended delivery: the recipient's code (default) or their signature.
    public var handoverProof: HandoverProof = .code

    public static let defaultRetention: TimeInterval = 30 * 86400
    public static let retentionRange: ClosedRange<TimeInterval> = 3600...(90 * 86400)
    /// Visa gives a cardholder 120 days to dispute; the longest networks' windows are 540 days.
    public static let defaultDisputeWindow: TimeInterval = 120 * 86400
    public static let disputeWindowRange: ClosedRange<TimeInterval> = 0...(540 * 86400)

    public init(retention: TimeInterval = TenantSettings.defaultRetention, consentModes: [String: ConsentMode] = [:],
                emailIncludesPhoto: Bool = false, qualityPolicy: QualityPolicy = .flag,
                locationRadii: LocationRadii = .standard, ticketPolicy: TicketPolicy = .flag,
                peoplePolicy: PeoplePolicy = .blur, peoplePolicyReason: String? = nil,
                disputeWindow: TimeInterval = TenantSettings.defaultDisputeWindow) {
        self.disputeWindow = disputeWindow
        self.ticketPolicy = ticketPolicy
        self.peoplePolicy = peoplePolicy
        self.peoplePolicyReason = peoplePolicyReason
        self.retention = retention
        self.consentModes = consentModes
        self.emailIncludesPhoto = emailIncludesPhoto
        self.qualityPolicy = qualityPolicy
        self.locationRadii = locationRadii
    }

    public func mode(forCountry country: String?) -> ConsentMode {
        country.flatMap { consentModes[$0] } ?? consentModes["*"] ?? .optOut
    }

    public func validated() throws(DoorstepError) -> TenantSettings {
        guard Self.retentionRange.contains(retention) else {
            throw .invalidInput(field: "retention_seconds", reason: "must be from 3600 (1 hour) to 7776000 (90 days)")
        }
        guard Self.disputeWindowRange.contains(disputeWindow) else {
            throw .invalidInput(field: "dispute_window_seconds", reason: "must be from 0 (none) to 46656000 (540 days)")
        }
        guard PhotoSlot.range.contains(photosPerDelivery) else {
            throw .invalidInput(field: "photos_per_delivery", reason: "must be from 1 to \(PhotoSlot.range.upperBound)")
        }
        for key in consentModes.keys where key != "*" && !Country.isCode(key) {
            throw .invalidInput(field: "consent_modes", reason: "keys must be ISO 3166-1 alpha-2 country codes or *")
        }
        _ = try locationRadii.validated()
        var checked = self
        // A reason given is checked whatever the policy, then kept only with `off`: a patch that
        // turns redaction back on drops the one on record.
        checked.peoplePolicyReason = try peoplePolicyReason.map(Self.checkedReason).flatMap { peoplePolicy == .off ? $0 : nil }
        if peoplePolicy == .off, checked.peoplePolicyReason == nil {
            throw .invalidInput(field: "people_policy_reason", reason: "is required when people_policy is off: the lawful reason for keeping people in photos")
        }
        return checked
    }

    /// A people-policy reason as stored: at most 500 Unicode scalars as sent (so combining marks
    /// cannot stretch it; JSON Schema counts the same way), not blank, stored trimmed, and no
    /// control characters (Cc) but line breaks and tabs. Format characters (Cf: the joiners of
    /// emoji and of Persian script) are text.
    static func checkedReason(_ reason: String) throws(DoorstepError) -> String {
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, reason.unicodeScalars.count <= peoplePolicyReasonLimit,
              !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && !"\n\r\t".unicodeScalars.contains($0) })
        else {
            throw .invalidInput(field: "people_policy_reason", reason: "must be 1 to \(peoplePolicyReasonLimit) characters of text")
        }
        return trimmed
    }
}

public enum Country {
    /// Two ASCII capital letters; normalises case and spaces first.
    public static func normalise(_ value: String) throws(DoorstepError) -> String {
        let code = value.trimmingCharacters(in: .whitespaces).uppercased()
        guard isCode(code) else { throw .invalidInput(field: "country", reason: "must be an ISO 3166-1 alpha-2 code such as FR or US") }
        return code
    }

    public static func isCode(_ value: String) -> Bool {
        value.count == 2 && value.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) }
    }
}

/// Street addresses compared loosely: case, punctuation and spacing don't make another address.
public enum AddressKey {
    public static func normalise(_ address: String) -> String {
        let characters: [Character] = address.lowercased().unicodeScalars.map { scalar in
            CharacterSet.alphanumerics.contains(scalar) ? Character(scalar) : " "
        }
        return String(characters).split(separator: " ").joined(separator: " ")
    }
}

/// Who touched a photo or a recipient's data, and how. Ids only: no names, emails or addresses.
public struct AccessEvent: Codable, Sendable, Equatable {
    public enum Actor: String, Codable, Sendable {
        case customerLink = "customer_link"
        case courier
        /// Whoever runs the server, at its command line.
        case operatorCLI = "operator"
        /// One of the tenant's staff in the operator console; `actorID` names their account.
        case staff
        case apiKey = "api_key"
        case system
    }

    public enum Action: String, Codable, Sendable {
        case viewPage = "view_page"
        case viewPhoto = "view_photo"
        case download
        case upload
        case delete
        case expire
        case export
        case erase
        case optOut = "opt_out"
        case optIn = "opt_in"
        /// An open case keeps the delivery's photo (and proof thumbnail) past its time.
        case hold
        /// The last open case was resolved: the photo's time runs again.
        case release
    }

    public var id: String
    public var tenantID: String
    public var deliveryID: String?
    public var photoID: String?
    public var actor: Actor
    /// The API key, courier or session involved, where there is one.
    public var actorID: String?
    public var action: Action
    public var at: Date

    public init(id: String, tenantID: String, deliveryID: String?, photoID: String?, actor: Actor, actorID: String?, action: Action, at: Date) {
        self.id = id
        self.tenantID = tenantID
        self.deliveryID = deliveryID
        self.photoID = photoID
        self.actor = actor
        self.actorID = actorID
        self.action = action
        self.at = at
    }
}

/// What remains of a photo after it is deleted: enough to settle a dispute, nothing to show.
public struct PhotoProof: Codable, Sendable, Equatable {
    public var photoID: String
    public var deliveryID: String
    public var placement: Placement
    public var uploadedAt: Date
    public var capturedAt: Date?
    public var sha256: String
    public var distanceToAddress: Double?
    public var expiresAt: Date
    public var deletedAt: Date?
    public var deletedReason: PhotoDeletionReason?
    public var locationVerdict: LocationVerdict
    public var qualityIssues: [QualityIssue]
    public var freshness: Freshness
    /// What was pixelated before the photo was stored (kept after the photo is gone).
    public var redaction: Redaction
    /// While the photo's proof thumbnail exists (the photo itself gone), when it will be deleted.
    public var proofThumbnailUntil: Date?
    /// Set for the door photo of a failed attempt (`DeliveryAttempt`), nil for a delivery photo.
    public var attemptID: String?
    /// Which of the delivery's photos this was (`PhotoSlot`).
    public var slot: Int = 1
    public var kind: PhotoKind = .parcel
    /// For a signature: the name the recipient wrote beside it, when they did (erased with them).
    public var signedBy: String?

    /// The door photo of a failed attempt rather than a photo of the delivered parcel.
    public var isDoorPhoto: Bool { kind == .door }
    /// A photo of where the parcel was left: the delivery's own evidence.
    public var isParcelPhoto: Bool { kind == .parcel }

    public init(photoID: String, deliveryID: String, placement: Placement, uploadedAt: Date, capturedAt: Date?, sha256: String,
                distanceToAddress: Double?, expiresAt: Date, deletedAt: Date?, deletedReason: PhotoDeletionReason?,
                locationVerdict: LocationVerdict = .unknown, qualityIssues: [QualityIssue] = [], freshness: Freshness = .noTicket,
                redaction: Redaction = .notSearched, proofThumbnailUntil: Date? = nil, attemptID: String? = nil) {
        self.attemptID = attemptID
        self.redaction = redaction
        self.proofThumbnailUntil = proofThumbnailUntil
        self.locationVerdict = locationVerdict
        self.qualityIssues = qualityIssues
        self.freshness = freshness
        self.photoID = photoID
        self.deliveryID = deliveryID
        self.placement = placement
        self.uploadedAt = uploadedAt
        self.capturedAt = capturedAt
        self.sha256 = sha256
        self.distanceToAddress = distanceToAddress
        self.expiresAt = expiresAt
        self.deletedAt = deletedAt
        self.deletedReason = deletedReason
    }
}

/// Why a photo is gone: who deleted it, or that its time was up or a retake replaced it.
/// Stored as its raw value and shown to tenants as `deleted_reason`.
public enum PhotoDeletionReason: String, Codable, Sendable, Equatable {
    case expired
    case replaced
    case customerLink = "customer_link"
    case courier
    case operatorCLI = "operator"
    case staff
    case apiKey = "api_key"
    case system

    /// The reason recorded when `actor` deletes a photo.
    public init(deletedBy actor: AccessEvent.Actor) {
        switch actor {
        case .customerLink: self = .customerLink
        case .courier: self = .courier
        case .operatorCLI: self = .operatorCLI
        case .staff: self = .staff
        case .apiKey: self = .apiKey
        case .system: self = .system
        }
    }
}
