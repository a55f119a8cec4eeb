import DoorstepCore
import DoorstepSecurity
import Foundation

/// The addresses Doorstep hands out: the customer's signed delivery page, the recipient's signed
/// preferences (opt-out) page, and the API paths of a delivery. Signed here and verified here.
public struct CustomerLinks: Sendable {
    let signer: LinkSigner
    /// Public address, without a trailing slash.
    public let baseURL: String
    let deliveryLifetime: TimeInterval
    /// Opt-out links must keep working long after the delivery (RFC 8058 one-click unsubscribe).
    let preferencesLifetime: TimeInterval
    let effects: Effects

    public init(signer: LinkSigner, baseURL: String, deliveryLifetime: TimeInterval, preferencesLifetime: TimeInterval, effects: Effects) {
        self.signer = signer
        self.baseURL = baseURL
        self.deliveryLifetime = deliveryLifetime
        self.preferencesLifetime = preferencesLifetime
        self.effects = effects
    }

    /// What a customer presents: the delivery id from the path and the signature from the query.
    public struct Link: Sendable {
        public var deliveryID: String
        public var expires: String?
        public var signature: String?

        public init(deliveryID: String, expires: String?, signature: String?) {
            self.deliveryID = deliveryID
            self.expires = expires
            self.signature = signature
        }

        /// The query string that carries the signature (`e=…&s=…`).
        public var query: String { "e=\(expires ?? "")&s=\(signature ?? "")" }
    }

    /// The signed page the customer opens. Anyone holding it may see the delivery until it expires.
    public func customerURL(for delivery: Delivery) -> String {
        "\(baseURL)/d/\(delivery.id)?\(sign(delivery, lifetime: deliveryLifetime, purpose: .delivery).query)"
    }

    /// The opt-out link for this delivery's recipient, for every message and the delivery page.
    public func preferencesURL(for delivery: Delivery) -> String {
        "\(baseURL)/o/\(delivery.id)?\(sign(delivery, lifetime: preferencesLifetime, purpose: .preferences).query)"
    }

    public func uploadURL(for delivery: Delivery) -> String {
        "\(baseURL)/api/v1/courier/deliveries/\(delivery.id)/photo"
    }

    public func apiURL(for delivery: Delivery) -> String {
        "\(baseURL)/api/v1/deliveries/\(delivery.id)"
    }

    /// Throws unless `link` was signed by this server for `purpose` and has not expired.
    public func verify(_ link: Link, purpose: LinkSigner.Purpose) throws {
        try signer.verify(deliveryID: link.deliveryID, expires: link.expires, mac: link.signature, now: effects.now(), purpose: purpose)
    }

    private func sign(_ delivery: Delivery, lifetime: TimeInterval, purpose: LinkSigner.Purpose) -> Link {
        let signature = signer.sign(deliveryID: delivery.id, expires: effects.now().addingTimeInterval(lifetime), purpose: purpose)
        return Link(deliveryID: delivery.id, expires: String(signature.expires), signature: signature.mac)
    }
}
