import DoorstepCore
import DoorstepNotify
import DoorstepStorage
import Foundation

/// The recipient's emails: "out for delivery", "we tried" and "delivered", in their language, text and HTML,
/// with the one-click opt-out in List-Unsubscribe (RFC 8058) and in the body. No marketing.
public struct EmailChannel: Sendable {
    let store: any DeliveryStore & AccountStore & PhotoStore
    let links: CustomerLinks
    let vault: PhotoVault
    /// nil sends none (messages wait as dead letters, replayable once a server is configured).
    let client: SMTPClient?
    let sender: Sender
    let effects: Effects

    /// Who the emails are from.
    public struct Sender: Sendable {
        public var address: String
        public var name: String
        /// The envelope sender (Return-Path): where bounces go.
        public var bounceAddress: String
        /// Ends every Message-ID, so they are unique and ours.
        public var domain: String

        public init(address: String, name: String, bounceAddress: String, domain: String) {
            (self.address, self.name, self.bounceAddress, self.domain) = (address, name, bounceAddress, domain)
        }
    }

    public init(
        store: any DeliveryStore & AccountStore & PhotoStore, links: CustomerLinks, vault: PhotoVault, client: SMTPClient?,
        sender: Sender, effects: Effects
    ) {
        (self.store, self.links, self.vault, self.client, self.sender, self.effects) = (store, links, vault, client, sender, effects)
    }

    func send(_ message: OutboxMessage) async throws {
        // Without a relay, retrying cannot help: straight to the dead letters, replayable later.
        guard let client else { throw DeliveryFailure(reason: "no SMTP server configured", permanent: true) }
        guard let mail = try await compose(message) else { return }  // nothing to say any more (erased, deleted)
        do {
            try await client.send(from: sender.bounceAddress, to: [mail.to], message: mail.rendered())
        } catch let failure as SMTPClient.Failure {
            throw DeliveryFailure(reason: failure.description, permanent: failure.isPermanent)
        }
    }

    /// The message for an outbox entry, or nil when there is no one to write to.
    public func compose(_ message: OutboxMessage) async throws -> MailMessage? {
        guard let deliveryID = message.event.deliveryID, let delivery = try await store.delivery(id: deliveryID),
              !delivery.recipient.email.isEmpty
        else { return nil }
        let strings = Strings.forLanguage(delivery.recipient.language)
        let optOutURL = links.preferencesURL(for: delivery)
        let tenant = try await store.tenant(id: delivery.tenantID)
        let brand = tenant?.branding ?? TenantBranding()
        var text: [String] = []
        // The shop's logo and name first: the recipient knows them, not Doorstep.
        var images: [MailMessage.InlineImage] = []
        var html: [String] = []
        if let logo = brand.logo, let jpeg = try await store.brandLogo(digest: logo.digest) {
            let contentID = "logo-\(logo.digest.prefix(16))@doorstep"
            images.append(.init(contentID: contentID, jpeg: jpeg))
            // 40 px high, as on the customer's page; the name is its text for clients that show no images.
            let width = max(1, Int((40 * Double(logo.width) / Double(max(1, logo.height))).rounded()))
            html.append("<p><img src=\"cid:\(contentID)\" alt=\"\(escape(brand.displayName ?? ""))\" width=\"\(width)\" height=\"40\"></p>")
        }
        if let name = brand.displayName { html.append("<p><strong><bdi>\(escape(name))</bdi></strong></p>") }
        let subject: String
        switch message.event.type {
        case .delivered:
            subject = strings.emailDeliveredSubject
            let pageURL = links.customerURL(for: delivery)
            text.append(strings.deliveredTitle + ".")
            html.append("<h1>\(escape(strings.deliveredTitle))</h1>")
            if let placement = delivery.placement {
                text.append("\(strings.leftAt): \(strings.placement(placement))")
                html.append("<p>\(escape(strings.leftAt)): <strong>\(escape(strings.placement(placement)))</strong></p>")
            }
            if let note = delivery.note {
                text.append("\(strings.courierNote): \(note)")
                html.append("<p>\(escape(strings.courierNote)): \(escape(note))</p>")
            }
            if tenant?.settings.emailIncludesPhoto == true, let photo = try await store.currentPhoto(deliveryID: delivery.id) {
                images.append(.init(contentID: "photo-\(photo.id)@doorstep", jpeg: try await vault.read(photo, variant: .thumbnail)))
                html.append("<p><img src=\"cid:photo-\(photo.id)@doorstep\" alt=\"\(escape(strings.photoAlt))\" width=\"\(photo.thumbnail.width)\" height=\"\(photo.thumbnail.height)\"></p>")
            }
            text.append("\(strings.emailSeePhoto): \(pageURL)")
            html.append("<p><a href=\"\(escape(pageURL))\">\(escape(strings.emailSeePhoto))</a></p>")
        case .outForDelivery:
            subject = strings.emailOutForDeliverySubject
            text.append(strings.emailOutForDeliveryBody)
            html.append("<h1>\(escape(strings.onTheWayTitle))</h1><p>\(escape(strings.emailOutForDeliveryBody))</p>")
            if let code = try await store.handoverCode(shownFor: delivery) {
                text.append(strings.handoverCode(code))
                html.append("<p><strong>\(escape(strings.handoverCode(code)))</strong></p>")
            }
        case .attempted:
            // What happened and what the recipient can do: choose a safe place or a neighbour on
            // their page before the next try.
            guard let attempt = try await store.attempts(deliveryID: delivery.id).first(where: { $0.id == message.event.id }) else { return nil }
            subject = strings.emailAttemptedSubject
            let pageURL = links.customerURL(for: delivery)
            let reason = strings.attemptReason(attempt.reason)
            text += [strings.attemptedTitle + ".", reason, strings.attemptedNext, "\(strings.emailAttemptedLink): \(pageURL)"]
            html.append("<h1>\(escape(strings.attemptedTitle))</h1><p>\(escape(reason))</p><p>\(escape(strings.attemptedNext))</p>")
            html.append("<p><a href=\"\(escape(pageURL))\">\(escape(strings.emailAttemptedLink))</a></p>")
        default:
            return nil
        }
        if let name = brand.displayName, brand.hasSupportContact {
            let contact = [brand.supportEmail, brand.supportURL].compactMap { $0 }
            let sentence = String(format: strings.brandContact, name)
            text += ["", sentence + " " + contact.joined(separator: " · ")]
            let links = [brand.supportEmail.map { "<a href=\"mailto:\(escape($0))\">\(escape($0))</a>" },
                         brand.supportURL.map { "<a href=\"\(escape($0))\">\(escape($0))</a>" }].compactMap { $0 }
            html.append("<p>\(escape(sentence)) \(links.joined(separator: " · "))</p>")
        }
        text += ["", "\(strings.emailOptOutLine) \(optOutURL)", "", strings.emailFooter]
        html.append("<p>\(escape(strings.emailOptOutLine)) <a href=\"\(escape(optOutURL))\">\(escape(strings.preferencesLink))</a></p>")
        html.append("<p style=\"color:#666;font-size:12px\">\(escape(strings.emailFooter))</p>")
        return MailMessage(
            // "Acme Parcels via Doorstep": the shop the recipient knows, and who actually sends (the
            // address stays ours, so SPF and DKIM hold).
            from: sender.address, fromName: brand.displayName.map { "\($0) via \(sender.name)" } ?? sender.name, to: delivery.recipient.email,
            subject: subject, messageID: "\(message.id)@\(sender.domain)", date: effects.now(),
            text: text.joined(separator: "\n"),
            html: "<!doctype html><html lang=\"\(strings.lang)\"><body>\(html.joined())</body></html>",
            headers: [("List-Unsubscribe", "<\(optOutURL)>"), ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")],
            inlineImages: images)
    }

    private func escape(_ text: String) -> String {
        HTMLText.escape(text)
    }
}
