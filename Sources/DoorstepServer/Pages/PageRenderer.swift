import DoorstepServices
import DoorstepCore
import Foundation
import Hummingbird
import Mustache

/// Renders the HTML pages people see, from the templates in Assets/customer; mustache escapes
/// every value.
struct PageRenderer: Sendable {
    private let library: MustacheLibrary

    init() throws {
        var library = MustacheLibrary()
        try library.register(Assets.layout, named: "layout")
        try library.register(Assets.delivery, named: "delivery")
        try library.register(Assets.message, named: "message")
        try library.register(Assets.preferences, named: "preferences")
        self.library = library
    }

    func render(_ template: String, title: String, strings: Strings, context: [String: Any]) -> String {
        var values = context
        values["title"] = title
        values["lang"] = strings.lang
        let body = library.render(values, withTemplate: template) ?? ""
        return library.render(["title": title, "lang": strings.lang, "body": body], withTemplate: "layout") ?? body
    }

    func response(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers: HTTPFields = [:]
        headers[.contentType] = "text/html; charset=utf-8"
        // A customer page is theirs alone: never cached by shared caches, never framed.
        headers[.cacheControl] = "private, no-store"
        headers[.contentSecurityPolicy] = "default-src 'none'; img-src 'self'; connect-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A page with a title and one sentence: errors, expired links.
    func message(title: String, body: String, strings: Strings, status: HTTPResponse.Status) -> Response {
        response(render("message", title: title, strings: strings, context: ["heading": title, "message": body]), status: status)
    }
}
