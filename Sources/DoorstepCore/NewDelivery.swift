import Foundation

/// What a tenant sends to create a delivery, checked before anything is stored.
public struct NewDelivery: Codable, Sendable {
    public var orderReference: String
    public var recipient: Recipient
    public var address: String
    public var latitude: Double
    public var longitude: Double
    public var instructions: String?
    public var courierID: String?
    public var country: String?
    /// The stop's place in the courier's route (1 = first); stops without one come last.
    public var routePosition: Int?

    public init(
        orderReference: String, recipient: Recipient, address: String, latitude: Double, longitude: Double,
        instructions: String? = nil, courierID: String? = nil, country: String? = nil, routePosition: Int? = nil
    ) {
        self.orderReference = orderReference
        self.recipient = recipient
        self.address = address
        self.latitude = latitude
        self.longitude = longitude
        self.instructions = instructions
        self.courierID = courierID
        self.country = country
        self.routePosition = routePosition
    }

    /// Returns the validated, normalised form, or the first problem found.
    public func validated() throws(DoorstepError) -> NewDelivery {
        var copy = self
        copy.orderReference = try Validate.text(orderReference, field: "order_reference", max: 100)
        copy.recipient.name = try Validate.text(recipient.name, field: "recipient.name", max: 200)
        // An email, a mobile number or both: a recipient reached by text alone has email "".
        let contact = try RecipientContact(email: recipient.email.isEmpty ? nil : recipient.email, phone: recipient.phone)
        (copy.recipient.email, copy.recipient.phone) = (contact.email ?? "", contact.phone)
        copy.address = try Validate.text(address, field: "address", max: 500)
        guard latitude.isFinite, (-90...90).contains(latitude) else {
            throw .invalidInput(field: "latitude", reason: "must be within ±90")
        }
        guard longitude.isFinite, (-180...180).contains(longitude) else {
            throw .invalidInput(field: "longitude", reason: "must be within ±180")
        }
        if let instructions {
            copy.instructions = try Validate.text(instructions, field: "instructions", max: 1000, allowEmpty: true)
        }
        if let country {
            copy.country = try Country.normalise(country)
        }
        if let routePosition, !(1...10_000).contains(routePosition) {
            throw .invalidInput(field: "route_position", reason: "must be from 1 to 10000")
        }
        if let courierID, !Identifier.isValid(courierID) {
            throw .invalidInput(field: "courier_id", reason: "must be a courier id")
        }
        return copy
    }
}

public enum Validate {
    /// NUL, DEL, escapes and the other C0/C1 controls: they would reach logs, mail headers and
    /// SMTP commands. Free text may keep its line breaks.
    public static func hasControlCharacters(_ text: some StringProtocol, allowingNewlines: Bool = false) -> Bool {
        text.unicodeScalars.contains { $0.properties.generalCategory == .control && !(allowingNewlines && $0 == "\n") }
    }

    public static func text(_ value: String, field: String, max: Int, allowEmpty: Bool = false) throws(DoorstepError) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty && !allowEmpty {
            throw .invalidInput(field: field, reason: "must not be empty")
        }
        if trimmed.count > max {
            throw .invalidInput(field: field, reason: "must be at most \(max) characters")
        }
        if hasControlCharacters(trimmed, allowingNewlines: true) {
            throw .invalidInput(field: field, reason: "must not contain control characters")
        }
        return trimmed
    }

    /// A pragmatic check (one @, a dot in the domain, no spaces) and lower-casing, so one
    /// person is one recipient whatever the capitalisation.
    public static func email(_ value: String) throws(DoorstepError) -> String {
        let email = value.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !email.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" }), !hasControlCharacters(email)
        else {
            throw .invalidInput(field: "recipient.email", reason: "must be an email address")
        }
        return email
    }

    /// E.164: `+`, a country code and the number, 8 to 15 digits in all. Spaces, dots, dashes and
    /// brackets are dropped and a leading `00` read as `+`; a national number (no country code)
    /// is refused, since a text to it would go to the wrong country.
    public static func phone(_ value: String) throws(DoorstepError) -> String {
        // "+44 (0)20 …": the bracketed 0 is the national trunk prefix, never dialled from abroad.
        var text = value.replacingOccurrences(of: "(0)", with: "").filter { !" .-()/\u{00A0}".contains($0) }
        if text.hasPrefix("00") { text = "+" + text.dropFirst(2) }
        let digits = text.dropFirst()
        guard text.hasPrefix("+"), (8...15).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits.first != "0" else {
            throw .invalidInput(field: "recipient.phone", reason: "must be a mobile number in international form, e.g. +33612345678")
        }
        return text
    }
}
