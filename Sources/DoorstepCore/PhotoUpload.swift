import Foundation

/// The courier's description of an upload, from query parameters or form fields.
public struct PhotoUploadDetails: Sendable, Equatable {
    public var placement: Placement
    public var note: String?
    public var devicePosition: Coordinate?
    /// The capture ticket the app got when the courier tapped "Delivered".
    public var ticket: String?
    /// When the app says it captured (epoch milliseconds in `captured_at`): the phone's clock.
    public var capturedAt: Date?
    /// Which of the delivery's photos this is (`PhotoSlot`).
    public var slot: Int = 1

    public init(placement: Placement, note: String?, devicePosition: Coordinate?, ticket: String? = nil, capturedAt: Date? = nil, slot: Int = 1) {
        self.slot = slot
        self.placement = placement
        self.note = note
        self.devicePosition = devicePosition
        self.ticket = ticket
        self.capturedAt = capturedAt
    }

    /// Parses raw parameters. `placement` is required; `lat` and `lon` come together or not at all.
    public init(parameters: [String: String]) throws(DoorstepError) {
        guard let raw = parameters["placement"], !raw.isEmpty else {
            throw .invalidInput(field: "placement", reason: "is required: one of \(Placement.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let placement = Placement(rawValue: raw) else {
            throw .invalidInput(field: "placement", reason: "must be one of \(Placement.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.placement = placement
        self.note = try parameters["note"].flatMap { value throws(DoorstepError) in
            let note = try Validate.text(value, field: "note", max: 500, allowEmpty: true)
            return note.isEmpty ? nil : note
        }
        if let ticket = parameters["ticket"] {
            guard ticket.hasPrefix("dct_"), (10...100).contains(ticket.count) else {
                throw .invalidInput(field: "ticket", reason: "must be a capture ticket as issued")
            }
            self.ticket = ticket
        }
        if let captured = parameters["captured_at"] {
            guard let milliseconds = Int64(captured), milliseconds > 0 else {
                throw .invalidInput(field: "captured_at", reason: "must be epoch milliseconds")
            }
            self.capturedAt = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        }
        self.devicePosition = try Self.position(parameters)
        self.slot = try PhotoSlot.parse(parameters["slot"])
    }

    /// `lat` and `lon`, together or not at all.
    public static func position(_ parameters: [String: String]) throws(DoorstepError) -> Coordinate? {
        switch (parameters["lat"], parameters["lon"]) {
        case (nil, nil):
            return nil
        case let (lat?, lon?):
            guard let latitude = Double(lat), let longitude = Double(lon) else {
                throw .invalidInput(field: "position", reason: "lat and lon must be numbers")
            }
            return try Coordinate(latitude: latitude, longitude: longitude)
        default:
            throw .invalidInput(field: "position", reason: "lat and lon must be given together")
        }
    }
}

/// What a courier may send as an Idempotency-Key: short, printable, unambiguous.
public enum IdempotencyKey {
    public static func validate(_ value: String?) throws(DoorstepError) -> String? {
        guard let value else { return nil }
        guard (1...128).contains(value.utf8.count),
              value.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 && $0.value < 127 })
        else {
            throw .invalidInput(field: "Idempotency-Key", reason: "must be 1 to 128 printable ASCII characters")
        }
        return value
    }
}
