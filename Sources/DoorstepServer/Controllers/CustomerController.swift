import DoorstepCore
import DoorstepSecurity
import DoorstepServices
import Foundation
import Hummingbird

/// The customer's pages, all behind signed links: the delivery with its photo (served by the
/// app through the same check, never from a public URL), deleting the photo, and the
/// preferences page that every message links to (RFC 8058 style: GET shows, POST acts).
struct CustomerController {
    let customerAccess: CustomerAccessService
    let privacy: PrivacyService
    let evidence: EvidenceService
    let links: CustomerLinks
    let rateLimits: RateLimits
    let pages: PageRenderer

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("d/:id", use: page)
        router.get("d/:id/photo/:variant", use: photo)
        router.post("d/:id/photo/delete", use: deletePhoto)
        router.post("d/:id/problem", use: reportProblem)
        router.post("d/:id/drop", use: chooseDrop)
        router.get("d/:id/receipt", use: receipt)
        router.get("o/:id", use: preferences)
        router.post("o/:id", use: choose)
        // The pages work without the script; with it: times in the reader's own zone (the server
        // only knows UTC), the photo enlarged in place, and the delivery updated live.
        router.get("static/page.js") { _, _ in Assets.response(Assets.pageScript, type: "text/javascript; charset=utf-8") }
        router.get("static/base.css") { _, _ in Assets.response(Assets.baseCSS, type: "text/css; charset=utf-8") }
        router.get("static/customer.css") { _, _ in Assets.response(Assets.customerCSS, type: "text/css; charset=utf-8") }
    }

    @Sendable func page(_ request: Request, context: AppRequestContext) async throws -> Response {
        let link = request.customerLink(context)
        let view = try await customerAccess.view(link)
        let delivery = view.delivery
        let language = delivery.recipient.language
        let strings = Strings.forLanguage(language)
        let delivered = delivery.state == .delivered
        let moment = { (at: Date) in DeliveryPageView.Moment(iso: at.formatted(.iso8601), text: DeliveryTime.text(at, language: language)) }
        var page = DeliveryPageView(
            words: strings, title: delivered ? strings.deliveredTitle : strings.onTheWayTitle, delivered: delivered,
            orderReference: delivery.orderReference,
            eventsURL: "/d/\(delivery.id)/events?\(link.query)", problemURL: "/d/\(delivery.id)/problem?\(link.query)",
            receiptURL: "/d/\(delivery.id)/receipt?\(link.query)", preferencesURL: links.preferencesURL(for: delivery),
            problemKinds: ProblemReport.Kind.customerKinds.map { .init(value: $0.rawValue, label: strings.problemKind($0)) },
            problemReported: request.uri.queryParameters["done"] == "problem")
        if delivered {
            page.dropChoice = delivery.dropChoice.map { strings.dropKind($0.kind) + ": " + $0.details }
            page.handedOver = delivery.handedOverAt.map(moment)
            page.signed = view.signedHandover
            if view.signature != nil { page.signatureDeleteURL = "/d/\(delivery.id)/photo/delete?\(link.query)" }
        } else {
            page.handoverCode = view.handoverCode.map { strings.handoverCode($0) }
            let current = delivery.dropChoice
            page.drop = .init(
                url: "/d/\(delivery.id)/drop?\(link.query)", details: current?.details ?? "",
                kinds: DropChoice.Kind.allCases.map { .init(value: $0.rawValue, label: strings.dropKind($0), checked: current?.kind == $0) }
                    + [.init(value: "none", label: strings.dropNone, checked: current == nil)],
                saved: request.uri.queryParameters["done"] == "drop")
        }
        if delivered {
            page.placement = delivery.placement.map(strings.placement)
            page.note = delivery.note
            page.deliveredAt = delivery.deliveredAt.map(moment)
        }
        if !view.photos.isEmpty {
            let several = view.photos.count > 1
            page.photos = view.photos.enumerated().map { index, photo in
                let number = several ? String(format: strings.photoNumber, index + 1, view.photos.count) : nil
                // Rounded to 5 m: finer than phone GPS would be false precision.
                // "At your address" only as close as phone GPS can tell (10 m), whatever the tenant's
                // at-address radius: a neighbour's door 20 m away is not the recipient's.
                let takenFrom = photo.distanceToAddress.map { distance in
                    distance <= 10 ? strings.takenAtAddress : String(format: strings.takenFromAddress, Int((distance / 5).rounded() * 5))
                }
                return .init(
                    displayURL: "/d/\(delivery.id)/photo/display?\(photo.slot > 1 ? "slot=\(photo.slot)&" : "")\(link.query)",
                    width: photo.display.width, height: photo.display.height,
                    alt: number.map { strings.photoAlt + " (" + $0 + ")" } ?? strings.photoAlt,
                    enlarge: number.map { strings.enlargePhoto + " (" + $0 + ")" } ?? strings.enlargePhoto,
                    caption: [number, takenFrom].compactMap { $0 }.joined(separator: " · "))
            }
            // What was blurred, over all the photos: the page says it once.
            let blurred = Redaction(faces: view.photos.reduce(0) { $0 + $1.redaction.faces },
                                    people: view.photos.reduce(0) { $0 + $1.redaction.people })
            page.photo = .init(
                deleteURL: "/d/\(delivery.id)/photo/delete?\(link.query)",
                redacted: strings.blurred(blurred), searched: view.photos.contains { $0.redaction.searched })
        } else if let proof = view.proofThumbnail {
            page.proof = .init(
                url: "/d/\(delivery.id)/photo/proof?\(link.query)", width: proof.width, height: proof.height, until: moment(proof.until),
                deleteURL: "/d/\(delivery.id)/photo/delete?\(link.query)")
        } else if let deleted = view.deletedPhoto {
            page.deletedNote = deleted.deletedReason == .expired ? strings.photoExpired : strings.photoDeleted
        }
        page.attempts = view.attempts.map { .init(at: moment($0.at), reason: strings.attemptReason($0.reason)) }
        page.hasAttempts = !page.attempts.isEmpty
        if !view.doorPhotos.isEmpty { page.doorPhotosDeleteURL = "/d/\(delivery.id)/photo/delete?\(link.query)" }
        page.hasLog = !view.accessLog.isEmpty
        page.accessLog = view.accessLog.map { event in
            let at = moment(event.at)
            return .init(at: at.iso, atText: at.text, who: strings.actor(event.actor), what: strings.action(event.action))
        }
        return pages.response(pages.render("delivery", page, branding: view.branding))
    }

    /// The photo's display or thumbnail variant, or (`proof`) the proof thumbnail that outlives it.
    @Sendable func photo(_ request: Request, context: AppRequestContext) async throws -> Response {
        let name = context.parameters.get("variant")
        let bytes: [UInt8]
        if name == "proof" {
            bytes = try await customerAccess.proofThumbnailBytes(request.customerLink(context))
        } else if let variant = name.flatMap(Photo.VariantKind.init(rawValue:)) {
            // A photo number that cannot be is a photo that is not there (the page's own error).
            guard let slot = try? PhotoSlot.parse(request.uri.queryParameters["slot"].map(String.init)) else { throw DoorstepError.notFound }
            bytes = try await customerAccess.photoBytes(request.customerLink(context), variant: variant, slot: slot)
        } else {
            throw DoorstepError.notFound
        }
        var headers: HTTPFields = [:]
        headers[.contentType] = "image/jpeg"
        // Only the customer's own browser may keep it, briefly; no shared cache ever may.
        headers[.cacheControl] = "private, max-age=300"
        headers[.contentDisposition] = "inline"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The signed receipt, to keep: it proves the delivery after the photo is gone.
    @Sendable func receipt(_ request: Request, context: AppRequestContext) async throws -> Response {
        let delivery = try await customerAccess.delivery(request.customerLink(context))
        guard let receipt = try await evidence.receipt(for: delivery) else { throw DoorstepError.notFound }
        var response = try JSONResponse.make(receipt)
        response.headers[.contentDisposition] = "attachment; filename=\"doorstep-receipt-\(delivery.id).json\""
        response.headers[.cacheControl] = "private, no-store"
        return response
    }

    /// An action a customer's link allows (delete, report, choose), counted per link once its
    /// signature holds, so a stranger cannot use up a real customer's allowance. Links that do not
    /// verify are counted per client address: guessing is slowed, while real customers who share an
    /// address (a carrier's NAT, a mail provider posting RFC 8058 one-click opt-outs for
    /// millions) are never refused for each other.
    private func actionLink(_ request: Request, _ context: AppRequestContext, purpose: LinkSigner.Purpose) throws -> CustomerLinks.Link {
        let link = request.customerLink(context)
        do {
            try links.verify(link, purpose: purpose)
        } catch {
            try rateLimits.check(.address, context.clientKey)
            throw error
        }
        try rateLimits.check(.link, "\(purpose):\(link.deliveryID)")
        return link
    }

    @Sendable func deletePhoto(_ request: Request, context: AppRequestContext) async throws -> Response {
        let link = try actionLink(request, context, purpose: .delivery)
        try await customerAccess.deletePhoto(link)
        // Post/redirect/get: the page then shows that the photo is gone.
        return Response(status: .seeOther, headers: [.location: "/d/\(link.deliveryID)?\(link.query)"])
    }

    @Sendable func reportProblem(_ request: Request, context: AppRequestContext) async throws -> Response {
        let link = try actionLink(request, context, purpose: .delivery)
        let form = try await request.decodeForm(as: ProblemForm.self)
        guard let kind = form.kind.flatMap(ProblemReport.Kind.init(rawValue:)), !kind.isRaisedByDoorstep else {
            throw DoorstepError.invalidInput(field: "kind", reason: "choose what is wrong")
        }
        try await customerAccess.reportProblem(link, kind: kind, details: form.details ?? "")
        return Response(status: .seeOther, headers: [.location: "/d/\(link.deliveryID)?\(link.query)&done=problem"])
    }

    /// The recipient's safe place or neighbour, before delivery ("none" clears it).
    @Sendable func chooseDrop(_ request: Request, context: AppRequestContext) async throws -> Response {
        let link = try actionLink(request, context, purpose: .delivery)
        let form = try await request.decodeForm(as: DropForm.self)
        let kind = form.kind.flatMap(DropChoice.Kind.init(rawValue:))
        guard kind != nil || form.kind == "none" else { throw DoorstepError.invalidInput(field: "kind", reason: "choose where to leave the parcel") }
        try await customerAccess.chooseDrop(link, kind: kind, details: form.details ?? "")
        return Response(status: .seeOther, headers: [.location: "/d/\(link.deliveryID)?\(link.query)&done=drop"])
    }

    @Sendable func preferences(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await preferencesPage(request.customerLink(context), done: nil)
    }

    @Sendable func choose(_ request: Request, context: AppRequestContext) async throws -> Response {
        let link = try actionLink(request, context, purpose: .preferences)
        let delivery = try await customerAccess.delivery(link, purpose: .preferences)
        let form = try await request.decodeForm(as: ChoiceForm.self)
        // A mail client's RFC 8058 one-click POST carries "List-Unsubscribe=One-Click": an opt-out.
        let choice: RecipientChoice = form.choice == "opted_in" ? .optedIn : .optedOut
        try await privacy.setChoice(
            .init(choice: choice, includeAddress: form.address == "yes", deleteExisting: form.delete == "yes"),
            for: delivery, by: .customerLink)
        return try await preferencesPage(link, done: choice)
    }

    private func preferencesPage(_ link: CustomerLinks.Link, done: RecipientChoice?) async throws -> Response {
        let delivery = try await customerAccess.delivery(link, purpose: .preferences)
        let strings = Strings.forLanguage(delivery.recipient.language)
        let mode = try await privacy.consentMode(for: delivery)
        let policy = try await privacy.policy(for: delivery)
        var page = PreferencesPageView(
            words: strings, title: strings.preferencesTitle, actionURL: "/o/\(delivery.id)?\(link.query)",
            done: done.map { $0 == .optedOut ? strings.optedOutNow : strings.optedInNow }, photosOff: mode == .off)
        if mode != .off {
            let allowed = policy == .requested
            page.current = allowed ? strings.currentlyAllowed : strings.currentlyOptedOut
            page.explanation = mode == .optIn ? strings.optInExplained : strings.optOutExplained
            (page.offerOptOut, page.offerOptIn) = (allowed, !allowed)
        }
        return pages.response(pages.render("preferences", page, branding: try await customerAccess.branding(for: delivery)))
    }
}

/// The customer's problem report, as the delivery page's form posts it.
struct ProblemForm: Decodable {
    var kind: String?
    var details: String?
}

/// The delivery page's "not at home?" form: `kind` is a `DropChoice.Kind` or `none`.
struct DropForm: Decodable {
    var kind: String?
    var details: String?
}

/// The preferences page's form; a mail client's one-click POST carries none of these fields.
struct ChoiceForm: Decodable {
    var choice: String?
    var address: String?
    var delete: String?
}
