import Foundation

/// How far from the delivery address the photo was taken, in the words a customer reads.
public enum LocationVerdict: String, Codable, Sendable, CaseIterable {
    case atAddress = "at-address"
    case near
    case far
    /// Neither the device nor the image gave a position.
    case unknown
}

/// The tenant's radii for the location verdict. Defaults allow for phone GPS error (5–20 m) plus
/// the geocoding error of the address itself (a plot's centre, not its door).
public struct LocationRadii: Codable, Sendable, Equatable {
    public var atAddress: Double
    public var near: Double

    public static let standard = LocationRadii(atAddress: 50, near: 250)
    public static let allowed: ClosedRange<Double> = 5...5000

    public init(atAddress: Double, near: Double) {
        self.atAddress = atAddress
        self.near = near
    }

    public func verdict(distance: Double?) -> LocationVerdict {
        guard let distance else { return .unknown }
        if distance <= atAddress { return .atAddress }
        return distance <= near ? .near : .far
    }

    public func validated() throws(DoorstepError) -> LocationRadii {
        guard Self.allowed.contains(atAddress), Self.allowed.contains(near), atAddress <= near else {
            throw .invalidInput(field: "location_radii", reason: "at_address_m and near_m must be 5 to 5000 metres, at_address_m ≤ near_m")
        }
        return self
    }
}
