import DoorstepCore
import DoorstepNotify
import DoorstepStorage
import Foundation

/// The recipient's text messages, for deliveries with a mobile number: "out for delivery" with
/// the link to say no to photos, and "delivered" with the link to the page (which carries the
/// opt-out too). In their language; never a photo; the number is never logged.
public struct SMSChannel: Sendable {
    let store: any DeliveryStore & AccountStore
    let links: CustomerLinks
    /// nil sends none (messages wait as dead letters, replayable once a gateway is configured).
    let gateway: KannelGateway?

    public init(store: any DeliveryStore & AccountStore, links: CustomerLinks, gateway: KannelGateway?) {
        (self.store, self.links, self.gateway) = (store, links, gateway)
    }

    func send(_ message: OutboxMessage) async throws {
        guard let gateway else { throw DeliveryFailure(reason: "no SMS gateway configured", permanent: true) }
        guard let (phone, text) = try await compose(message) else { return }  // nothing to say any more (erased, no number)
        do {
            try await gateway.send(to: phone, text)
        } catch let failure as KannelGateway.Failure {
            throw DeliveryFailure(reason: failure.description, permanent: failure.isPermanent)
        }
    }

    /// The number and the message for an outbox entry, or nil when there is no one to text.
    public func compose(_ message: OutboxMessage) async throws -> (phone: String, text: TextMessage)? {
        guard let deliveryID = message.event.deliveryID, let delivery = try await store.delivery(id: deliveryID),
              let phone = delivery.recipient.phone
        else { return nil }
        let strings = Strings.forLanguage(delivery.recipient.language)
        switch message.event.type {
        case .outForDelivery:
            // The code after the link: the first words say what the text is about.
            let code = try await store.handoverCode(shownFor: delivery).map { " " + strings.handoverCode($0, short: true) } ?? ""
            return (phone, TextMessage(strings.smsOutForDelivery + " " + links.preferencesURL(for: delivery) + code))
        case .delivered: return (phone, TextMessage(strings.smsDelivered + " " + links.customerURL(for: delivery)))
        case .attempted: return (phone, TextMessage(strings.smsAttempted + " " + links.customerURL(for: delivery)))
        default: return nil
        }
    }
}
