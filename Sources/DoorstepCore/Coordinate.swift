import Foundation

/// A WGS 84 position in degrees.
public struct Coordinate: Codable, Sendable, Equatable {
    public var latitude: Double
    public var longitude: Double

    public init(latitude: Double, longitude: Double) throws(DoorstepError) {
        guard latitude.isFinite, longitude.isFinite, (-90...90).contains(latitude), (-180...180).contains(longitude) else {
            throw .invalidInput(field: "position", reason: "latitude must be within ±90 and longitude within ±180")
        }
        self.latitude = latitude
        self.longitude = longitude
    }

    /// Great-circle distance in metres (haversine; ample precision at doorstep scale).
    public func distance(to other: Coordinate) -> Double {
        let earthRadius = 6_371_008.8
        let φ1 = latitude * .pi / 180, φ2 = other.latitude * .pi / 180
        let Δφ = (other.latitude - latitude) * .pi / 180
        let Δλ = (other.longitude - longitude) * .pi / 180
        let a = sin(Δφ / 2) * sin(Δφ / 2) + cos(φ1) * cos(φ2) * sin(Δλ / 2) * sin(Δλ / 2)
        return 2 * earthRadius * asin(min(1, sqrt(a)))
    }
}
