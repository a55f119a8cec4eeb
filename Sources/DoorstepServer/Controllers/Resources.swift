import DoorstepCore
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
    var instructions: String
    var courierID: String?
    var placement: Placement?
    var note: String?
    var deliveredAt: Date?
    var createdAt: Date
    var customerURL: String?
    var uploadURL: String?
    var photo: PhotoResource?

    enum CodingKeys: String, CodingKey {
        case id, orderReference = "order_reference", state, recipient, address, latitude, longitude, instructions
        case courierID = "courier_id", placement, note, deliveredAt = "delivered_at", createdAt = "created_at"
        case customerURL = "customer_url", uploadURL = "upload_url", photo
    }

    init(_ delivery: Delivery, photo: Photo? = nil, customerURL: String? = nil, uploadURL: String? = nil) {
        id = delivery.id
        orderReference = delivery.orderReference
        state = delivery.state
        recipient = RecipientResource(name: delivery.recipient.name, email: delivery.recipient.email, language: delivery.recipient.language)
        address = delivery.address
        latitude = delivery.location.latitude
        longitude = delivery.location.longitude
        instructions = delivery.instructions
        courierID = delivery.courierID
        placement = delivery.placement
        note = delivery.note
        deliveredAt = delivery.deliveredAt
        createdAt = delivery.createdAt
        self.customerURL = customerURL
        self.uploadURL = uploadURL
        self.photo = photo.map(PhotoResource.init)
    }
}

struct RecipientResource: Codable {
    var name: String
    /// Absent where the reader has no need for it (a courier's stop list).
    var email: String?
    var language: Language
}

struct PhotoResource: Encodable {
    var id: String
    var placement: Placement
    var note: String?
    var capturedAt: Date?
    var uploadedAt: Date
    var width: Int
    var height: Int
    var sha256: String
    var distanceToAddressMetres: Double?
    var meanBrightness: Double

    enum CodingKeys: String, CodingKey {
        case id, placement, note, capturedAt = "captured_at", uploadedAt = "uploaded_at", width, height, sha256
        case distanceToAddressMetres = "distance_to_address_m", meanBrightness = "mean_brightness"
    }

    init(_ photo: Photo) {
        id = photo.id
        placement = photo.placement
        note = photo.note
        capturedAt = photo.capturedAt
        uploadedAt = photo.createdAt
        width = photo.display.width
        height = photo.display.height
        sha256 = photo.display.sha256
        distanceToAddressMetres = photo.distanceToAddress.map { ($0 * 10).rounded() / 10 }
        meanBrightness = (photo.meanBrightness * 10).rounded() / 10
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

    enum CodingKeys: String, CodingKey {
        case orderReference = "order_reference", recipient, address, latitude, longitude, instructions, courierID = "courier_id"
    }

    var newDelivery: NewDelivery {
        NewDelivery(
            orderReference: orderReference,
            recipient: Recipient(name: recipient.name, email: recipient.email ?? "", language: recipient.language),
            address: address, latitude: latitude, longitude: longitude, instructions: instructions, courierID: courierID)
    }
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

struct LoginRequest: Decodable {
    var username: String
    var password: String
}
