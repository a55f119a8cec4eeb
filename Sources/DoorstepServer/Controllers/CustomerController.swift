import DoorstepCore
import Foundation
import Hummingbird

/// The customer's delivery page and its photo, both behind the signed link. The photo is served
/// by the app through the same check, never from a public URL.
struct CustomerController {
    let dependencies: AppDependencies
    let pages: PageRenderer

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("d/:id", use: page)
        router.get("d/:id/photo/:variant", use: photo)
        router.get("static/local-time.js", use: localTimeScript)
    }

    private struct LinkParameters {
        var id: String
        var expires: String?
        var signature: String?

        init(_ request: Request, context: AppRequestContext) {
            id = context.parameters.get("id") ?? ""
            expires = request.uri.queryParameters["e"].map(String.init)
            signature = request.uri.queryParameters["s"].map(String.init)
        }

        var query: String { "e=\(expires ?? "")&s=\(signature ?? "")" }
    }

    @Sendable func page(_ request: Request, context: AppRequestContext) async throws -> Response {
        let link = LinkParameters(request, context: context)
        let view = try await dependencies.customerAccess.view(deliveryID: link.id, expires: link.expires, signature: link.signature)
        let delivery = view.delivery
        let strings = Strings.forLanguage(delivery.recipient.language)
        let delivered = delivery.state == .delivered
        var values: [String: Any] = [
            "heading": delivered ? strings.deliveredTitle : strings.onTheWayTitle,
            "deliveredLabel": strings.deliveredAt,
            "leftAtLabel": strings.leftAt,
            "noteLabel": strings.courierNote,
            "orderLabel": strings.order,
            "orderReference": delivery.orderReference,
            "noPhoto": strings.noPhoto,
            "privacyNote": strings.privacyNote,
            "onTheWayBody": strings.onTheWayBody,
        ]
        if delivered {
            values["delivered"] = true
            if let placement = delivery.placement { values["placement"] = strings.placement(placement) }
            if let note = delivery.note { values["note"] = note }
            if let at = delivery.deliveredAt {
                values["deliveredISO"] = at.formatted(.iso8601)
                values["deliveredText"] = DeliveryTime.text(at, language: delivery.recipient.language)
            }
        }
        if let photo = view.photo {
            values["photo"] = [
                "displayURL": "/d/\(delivery.id)/photo/display?\(link.query)",
                "width": photo.display.width,
                "height": photo.display.height,
                "alt": strings.photoAlt,
            ] as [String: Any]
        }
        let title = delivered ? strings.deliveredTitle : strings.onTheWayTitle
        return pages.response(pages.render("delivery", title: title, strings: strings, context: values))
    }

    @Sendable func photo(_ request: Request, context: AppRequestContext) async throws -> Response {
        let link = LinkParameters(request, context: context)
        guard let variant = context.parameters.get("variant").flatMap(Photo.VariantKind.init(rawValue:)) else {
            throw DoorstepError.notFound
        }
        let bytes = try await dependencies.customerAccess.photoBytes(
            deliveryID: link.id, variant: variant, expires: link.expires, signature: link.signature)
        var headers: HTTPFields = [:]
        headers[.contentType] = "image/jpeg"
        // Only the customer's own browser may keep it, briefly; no shared cache ever may.
        headers[.cacheControl] = "private, max-age=300"
        headers[.contentDisposition] = "inline"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    @Sendable func localTimeScript(_ request: Request, context: AppRequestContext) async throws -> Response {
        var headers: HTTPFields = [:]
        headers[.contentType] = "text/javascript; charset=utf-8"
        headers[.cacheControl] = "public, max-age=86400"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: Self.localTime)))
    }

    /// Shows delivery times in the reader's own time zone; the server only knows UTC.
    static let localTime = """
        document.querySelectorAll("time[datetime]").forEach(function (el) {
          var d = new Date(el.getAttribute("datetime"));
          if (!isNaN(d)) el.textContent = d.toLocaleString(document.documentElement.lang, { dateStyle: "full", timeStyle: "short" });
        });
        """
}

/// Server-side rendering of a delivery time, in UTC, before the page script localises it.
enum DeliveryTime {
    static func text(_ date: Date, language: Language) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: language == .fr ? "fr_FR" : "en_GB")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateStyle = .full
        formatter.timeStyle = .short
        return formatter.string(from: date) + " UTC"
    }
}
