import Foundation

public struct Tenant: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var createdAt: Date
    public var settings: TenantSettings
    /// What customers see of the tenant: its name, logo, colour and support contact.
    public var branding: TenantBranding

    public init(id: String, name: String, createdAt: Date, settings: TenantSettings = TenantSettings(),
                branding: TenantBranding = TenantBranding()) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.settings = settings
        self.branding = branding
    }
}

public struct Courier: Codable, Sendable, Equatable {
    public var id: String
    public var tenantID: String
    public var username: String
    public var displayName: String
    public var createdAt: Date

    public init(id: String, tenantID: String, username: String, displayName: String, createdAt: Date) {
        self.id = id
        self.tenantID = tenantID
        self.username = username
        self.displayName = displayName
        self.createdAt = createdAt
    }
}

public enum DeliveryState: String, Codable, Sendable, CaseIterable {
    case created
    case outForDelivery = "out_for_delivery"
    case delivered
    case failed
}

public struct Recipient: Codable, Sendable, Equatable {
    public var name: String
    /// "" for a recipient reached by text message alone (and after erasure).
    public var email: String
    public var language: Language
    /// A mobile number in E.164 form (`+33612345678`), for text messages; nil without one.
    public var phone: String?

    public init(name: String, email: String, language: Language, phone: String? = nil) {
        self.name = name
        self.email = email
        self.language = language
        self.phone = phone
    }
}

public struct Delivery: Codable, Sendable, Equatable {
    public var id: String
    public var tenantID: String
    public var orderReference: String
    public var recipient: Recipient
    public var address: String
    public var location: Coordinate
    /// ISO 3166-1 alpha-2; decides the consent mode.
    public var country: String?
    public var instructions: String
    public var courierID: String?
    public var state: DeliveryState
    public var placement: Placement?
    public var note: String?
    public var deliveredAt: Date?
    public var createdAt: Date
    public var routePosition: Int?
    /// When the courier took it on board (nil before, and for deliveries marked before this was kept).
    public var outForDeliveryAt: Date?
    /// The recipient's safe place or neighbour, chosen on their page before delivery.
    public var dropChoice: DropChoice?
    /// The code the recipient gives the courier at the door (`HandoverCode`); nil for
    /// deliveries made before codes were issued.
    public var handoverCode: String?
    /// When the courier entered the right code: handed over in person, with no photo.
    public var handedOverAt: Date?

    public init(
        id: String, tenantID: String, orderReference: String, recipient: Recipient, address: String,
        location: Coordinate, country: String? = nil, instructions: String, courierID: String?, state: DeliveryState,
        placement: Placement? = nil, note: String? = nil, deliveredAt: Date? = nil, createdAt: Date, routePosition: Int? = nil,
        outForDeliveryAt: Date? = nil, dropChoice: DropChoice? = nil, handoverCode: String? = nil, handedOverAt: Date? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.orderReference = orderReference
        self.recipient = recipient
        self.address = address
        self.location = location
        self.country = country
        self.instructions = instructions
        self.courierID = courierID
        self.state = state
        self.placement = placement
        self.note = note
        self.deliveredAt = deliveredAt
        self.createdAt = createdAt
        self.routePosition = routePosition
        self.outForDeliveryAt = outForDeliveryAt
        self.dropChoice = dropChoice
        self.handoverCode = handoverCode
        self.handedOverAt = handedOverAt
    }
}

/// One stored image of a photo: the blob that holds it and what it is.
public struct PhotoVariant: Codable, Sendable, Equatable {
    public var blobKey: String
    public var width: Int
    public var height: Int
    public var byteCount: Int
    /// Hex SHA-256 of the stored JPEG: lets a receipt prove which image was shown.
    public var sha256: String

    public init(blobKey: String, width: Int, height: Int, byteCount: Int, sha256: String) {
        self.blobKey = blobKey
        self.width = width
        self.height = height
        self.byteCount = byteCount
        self.sha256 = sha256
    }
}

public struct Photo: Codable, Sendable, Equatable {
    public var id: String
    public var deliveryID: String
    public var tenantID: String
    public var courierID: String
    public var placement: Placement
    public var note: String?
    /// Capture time from the image's own metadata, when it had one.
    public var capturedAt: Date?
    public var imagePosition: Coordinate?
    public var devicePosition: Coordinate?
    /// Metres between the best capture position and the delivery address, when one is known.
    public var distanceToAddress: Double?
    /// The verdict on `distanceToAddress` under the tenant's radii at upload time.
    public var locationVerdict: LocationVerdict
    public var quality: PhotoQuality
    /// Difference hash of the thumbnail (reuse detection).
    public var perceptualHash: UInt64
    /// Digest of the capture ticket the upload named, if any.
    public var captureTicket: String?
    public var freshness: Freshness
    /// What was pixelated before the photo was stored.
    public var redaction: Redaction
    /// Earlier photos of other deliveries this one nearly duplicates (filled where it matters:
    /// the upload answer and the tenant's view; empty when read in bulk).
    public var reuse: [ReuseMatch]
    public var display: PhotoVariant
    public var thumbnail: PhotoVariant
    /// The data key both variants are sealed with, wrapped by a key-encryption key.
    public var dataKey: WrappedDataKey
    public var createdAt: Date
    /// When the retention sweep deletes it.
    public var expiresAt: Date
    /// Set for the door photo of a failed attempt (`DeliveryAttempt`): kept and deleted like any
    /// photo, but never "the delivery's photo".
    public var attemptID: String? = nil
    /// Which of the delivery's photos this is (`PhotoSlot`): 1 the parcel, then where it stands.
    public var slot: Int = 1
    public var kind: PhotoKind = .parcel

    /// The door photo of a failed attempt rather than a photo of the delivered parcel.
    public var isDoorPhoto: Bool { kind == .door }
    /// A photo of where the parcel was left: the delivery's own evidence.
    public var isParcelPhoto: Bool { kind == .parcel }

    public init(
        id: String, deliveryID: String, tenantID: String, courierID: String, placement: Placement, note: String?,
        capturedAt: Date?, imagePosition: Coordinate?, devicePosition: Coordinate?, distanceToAddress: Double?,
        locationVerdict: LocationVerdict, quality: PhotoQuality, perceptualHash: UInt64, display: PhotoVariant, thumbnail: PhotoVariant, dataKey: WrappedDataKey,
        createdAt: Date, expiresAt: Date, captureTicket: String? = nil, freshness: Freshness = .noTicket, reuse: [ReuseMatch] = [],
        redaction: Redaction = .notSearched
    ) {
        self.redaction = redaction
        self.id = id
        self.deliveryID = deliveryID
        self.tenantID = tenantID
        self.courierID = courierID
        self.placement = placement
        self.note = note
        self.capturedAt = capturedAt
        self.imagePosition = imagePosition
        self.devicePosition = devicePosition
        self.distanceToAddress = distanceToAddress
        self.locationVerdict = locationVerdict
        self.quality = quality
        self.perceptualHash = perceptualHash
        self.captureTicket = captureTicket
        self.freshness = freshness
        self.reuse = reuse
        self.display = display
        self.thumbnail = thumbnail
        self.dataKey = dataKey
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }

    public enum VariantKind: String, Sendable, CaseIterable {
        case display, thumbnail
    }

    public func variant(_ kind: VariantKind) -> PhotoVariant {
        kind == .display ? display : thumbnail
    }
}

/// A photo's data key, sealed by a key-encryption key. Destroying it (setting it to nil in the
/// store) makes every copy of the photo's blobs unreadable: crypto-shredding.
public struct WrappedDataKey: Codable, Sendable, Equatable {
    /// Which key-encryption key sealed it.
    public var kekVersion: Int
    /// base64 of the AES-GCM sealed box (nonce, ciphertext, tag).
    public var sealed: String

    public init(kekVersion: Int, sealed: String) {
        self.kekVersion = kekVersion
        self.sealed = sealed
    }
}
