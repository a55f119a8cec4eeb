import DoorstepCore
import DoorstepSecurity
import Foundation
import Hummingbird

/// The customer's pages, all behind signed links: the delivery with its photo (served by the
/// app through the same check, never from a public URL), deleting the photo, and the
/// preferences page that every message links to (RFC 8058 style: GET shows, POST acts).
struct CustomerController {
    let dependencies: AppDependencies
    let pages: PageRenderer

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("d/:id", use: page)
        router.get("d/:id/photo/:variant", use: photo)
        router.post("d/:id/photo/delete", use: deletePhoto)
        router.post("d/:id/problem", use: reportProblem)
        router.get("d/:id/receipt", use: receipt)
        router.get("o/:id", use: preferences)
        router.post("o/:id", use: choose)
        router.get("static/page.js", use: pageScript)
    }

    private func link(_ request: Request, _ context: AppRequestContext) -> CustomerAccessService.Link {
        CustomerAccessService.Link(
            deliveryID: context.parameters.get("id") ?? "",
            expires: request.uri.queryParameters["e"].map(String.init),
            signature: request.uri.queryParameters["s"].map(String.init))
    }

    private func query(_ link: CustomerAccessService.Link) -> String { "e=\(link.expires ?? "")&s=\(link.signature ?? "")" }

    @Sendable func page(_ request: Request, context: AppRequestContext) async throws -> Response {
        let link = link(request, context)
        let view = try await dependencies.customerAccess.view(link)
        let delivery = view.delivery
        let language = delivery.recipient.language
        let strings = Strings.forLanguage(language)
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
            "preferencesURL": dependencies.customerAccess.preferencesURL(for: delivery),
            "preferencesLink": strings.preferencesLink,
            "optOutExplained": strings.optOutExplained,
            "optOutButton": strings.optOutButton,
            "receiptURL": "/d/\(delivery.id)/receipt?\(query(link))",
            "receiptLink": strings.receiptLink,
            "accessLogTitle": strings.accessLogTitle,
            "eventsURL": "/d/\(delivery.id)/events?\(query(link))",
            "problemURL": "/d/\(delivery.id)/problem?\(query(link))",
            "problemTitle": strings.problemTitle,
            "problemDetails": strings.problemDetails,
            "problemSend": strings.problemSend,
            "problemKinds": ProblemReport.Kind.allCases.map { ["value": $0.rawValue, "label": strings.problemKinds[$0] ?? $0.rawValue] },
        ]
        if request.uri.queryParameters["done"] == "problem" { values["problemReported"] = strings.problemReported }
        if delivered {
            values["delivered"] = true
            if let placement = delivery.placement { values["placement"] = strings.placement(placement) }
            if let note = delivery.note { values["note"] = note }
            if let at = delivery.deliveredAt {
                values["deliveredISO"] = at.formatted(.iso8601)
                values["deliveredText"] = DeliveryTime.text(at, language: language)
            }
        }
        if let photo = view.photo {
            values["photo"] = [
                "displayURL": "/d/\(delivery.id)/photo/display?\(query(link))",
                "width": photo.display.width,
                "height": photo.display.height,
                "alt": strings.photoAlt,
            ] as [String: Any]
            values["deleteURL"] = "/d/\(delivery.id)/photo/delete?\(query(link))"
            values["enlargePhoto"] = strings.enlargePhoto
            values["closePhoto"] = strings.closePhoto
            if let distance = photo.distanceToAddress {
                // Rounded to 5 m: finer than phone GPS would be false precision.
                values["takenFrom"] = String(format: strings.takenFromAddress, Int((distance / 5).rounded() * 5))
            }
            values["deleteButton"] = strings.deletePhotoButton
            values["deleteHint"] = strings.deletePhotoHint
        } else if let deleted = view.deletedPhoto {
            values["deletedNote"] = deleted.deletedReason == "expired" ? strings.photoExpired : strings.photoDeleted
        }
        if !view.accessLog.isEmpty {
            values["hasLog"] = true
            values["accessLog"] = view.accessLog.map { event in
                [
                    "at": event.at.formatted(.iso8601),
                    "atText": DeliveryTime.text(event.at, language: language),
                    "who": strings.actors[event.actor] ?? event.actor.rawValue,
                    "what": strings.actions[event.action] ?? event.action.rawValue,
                ]
            }
        }
        let title = delivered ? strings.deliveredTitle : strings.onTheWayTitle
        return pages.response(pages.render("delivery", title: title, strings: strings, context: values))
    }

    @Sendable func photo(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let variant = context.parameters.get("variant").flatMap(Photo.VariantKind.init(rawValue:)) else {
            throw DoorstepError.notFound
        }
        let bytes = try await dependencies.customerAccess.photoBytes(link(request, context), variant: variant)
        var headers: HTTPFields = [:]
        headers[.contentType] = "image/jpeg"
        // Only the customer's own browser may keep it, briefly; no shared cache ever may.
        headers[.cacheControl] = "private, max-age=300"
        headers[.contentDisposition] = "inline"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The signed receipt, to keep: it proves the delivery after the photo is gone.
    @Sendable func receipt(_ request: Request, context: AppRequestContext) async throws -> Response {
        let delivery = try await dependencies.customerAccess.delivery(link(request, context))
        guard let receipt = try await dependencies.evidence.receipt(for: delivery) else { throw DoorstepError.notFound }
        var response = try JSONResponse.make(receipt)
        response.headers[.contentDisposition] = "attachment; filename=\"doorstep-receipt-\(delivery.id).json\""
        response.headers[.cacheControl] = "private, no-store"
        return response
    }

    @Sendable func deletePhoto(_ request: Request, context: AppRequestContext) async throws -> Response {
        let link = link(request, context)
        try await dependencies.customerAccess.deletePhoto(link)
        // Post/redirect/get: the page then shows that the photo is gone.
        return Response(status: .seeOther, headers: [.location: "/d/\(link.deliveryID)?\(query(link))"])
    }

    @Sendable func reportProblem(_ request: Request, context: AppRequestContext) async throws -> Response {
        let link = link(request, context)
        let form = try await FormBody.read(request)
        guard let kind = form["kind"].flatMap(ProblemReport.Kind.init(rawValue:)) else {
            throw DoorstepError.invalidInput(field: "kind", reason: "choose what is wrong")
        }
        try await dependencies.customerAccess.reportProblem(link, kind: kind, details: form["details"] ?? "")
        return Response(status: .seeOther, headers: [.location: "/d/\(link.deliveryID)?\(query(link))&done=problem"])
    }

    @Sendable func preferences(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await preferencesPage(link(request, context), done: nil)
    }

    @Sendable func choose(_ request: Request, context: AppRequestContext) async throws -> Response {
        let link = link(request, context)
        let delivery = try await dependencies.customerAccess.delivery(link, purpose: .preferences)
        let form = try await FormBody.read(request)
        // A mail client's RFC 8058 one-click POST carries "List-Unsubscribe=One-Click": an opt-out.
        let choice: RecipientChoice = form["choice"] == "opted_in" ? .optedIn : .optedOut
        try await dependencies.privacy.setChoice(
            .init(choice: choice, includeAddress: form["address"] == "yes", deleteExisting: form["delete"] == "yes"),
            for: delivery, by: .customerLink)
        return try await preferencesPage(link, done: choice)
    }

    private func preferencesPage(_ link: CustomerAccessService.Link, done: RecipientChoice?) async throws -> Response {
        let delivery = try await dependencies.customerAccess.delivery(link, purpose: .preferences)
        let strings = Strings.forLanguage(delivery.recipient.language)
        let mode = try await dependencies.privacy.consentMode(for: delivery)
        let policy = try await dependencies.privacy.policy(for: delivery)
        var values: [String: Any] = [
            "heading": strings.preferencesTitle,
            "actionURL": "/o/\(delivery.id)?\(query(link))",
            "includeAddress": strings.includeAddress,
            "deleteExisting": strings.deleteExisting,
            "optOutButton": strings.optOutButton,
            "optInButton": strings.optInButton,
        ]
        if let done { values["done"] = done == .optedOut ? strings.optedOutNow : strings.optedInNow }
        if mode == .off {
            values["photosOff"] = strings.photosOffHere
        } else {
            let allowed = policy == .requested
            values["current"] = allowed ? strings.currentlyAllowed : strings.currentlyOptedOut
            values["explanation"] = mode == .optIn ? strings.optInExplained : strings.optOutExplained
            if allowed { values["offerOptOut"] = true } else { values["offerOptIn"] = true }
        }
        return pages.response(pages.render("preferences", title: strings.preferencesTitle, strings: strings, context: values))
    }

    @Sendable func pageScript(_ request: Request, context: AppRequestContext) async throws -> Response {
        var headers: HTTPFields = [:]
        headers[.contentType] = "text/javascript; charset=utf-8"
        headers[.cacheControl] = "public, max-age=300"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: Self.script)))
    }

    /// The pages work without it; with it: times in the reader's own zone (the server only knows
    /// UTC), the photo enlarged in place, and the delivery updated live when the server says it
    /// changed (server-sent events): the card is fetched again and swapped in, no reload.
    static let script = #"""
        (function () {
          function enhance(root) {
            root.querySelectorAll("time[datetime]").forEach(function (el) {
              var d = new Date(el.getAttribute("datetime"));
              if (!isNaN(d)) el.textContent = d.toLocaleString(document.documentElement.lang, { dateStyle: "full", timeStyle: "short" });
            });
            var zoom = root.querySelector("a[data-zoom]"), dialog = root.querySelector("dialog.zoom");
            if (zoom && dialog && dialog.showModal) {
              zoom.addEventListener("click", function (event) { event.preventDefault(); dialog.showModal(); });
              dialog.addEventListener("click", function (event) { if (event.target === dialog || event.target.tagName === "IMG") dialog.close(); });
            }
          }
          enhance(document);
          var card = document.querySelector("[data-events]");
          if (!card || !window.EventSource) return;
          var source = new EventSource(card.getAttribute("data-events"));
          function refresh() {
            fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
              .then(function (response) { return response.ok ? response.text() : null; })
              .then(function (html) {
                if (!html) return;
                var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-events]");
                var current = document.querySelector("[data-events]");
                if (!fresh || !current) return;
                current.replaceWith(fresh);
                enhance(fresh);
                fresh.setAttribute("data-updated", "live");
              });
          }
          ["delivery.delivered", "photo.deleted"].forEach(function (type) { source.addEventListener(type, refresh); });
        })();
        """#
}

/// Server-side rendering of a time, in UTC, before the page script localises it.
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

/// A small `application/x-www-form-urlencoded` body, as browsers and mail clients post it.
enum FormBody {
    static func read(_ request: Request, limit: Int = 16 * 1024) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: limit)
        var fields: [String: String] = [:]
        for pair in String(buffer: buffer).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            if let name = parts.first { fields[name] = parts.count > 1 ? parts[1] : "" }
        }
        return fields
    }
}
