import DoorstepServices
import DoorstepCore
import Foundation
import Hummingbird
import Mustache

/// Renders the HTML pages from the templates in Assets/ (one library, so every page can use the
/// shared `head` partial); mustache escapes every value.
struct PageRenderer: Sendable {
    private let library: MustacheLibrary

    /// The content type every template declares (`{{% CONTENT_TYPE: DOORSTEP_HTML }}`, checked by
    /// PageRendererTests): mustache's default HTML escaping works by `Character` (`HTMLText`).
    static let contentType = "DOORSTEP_HTML"
    private struct ScalarHTML: MustacheContentType {
        func escapeText(_ text: String) -> String { HTMLText.escape(text) }
    }

    init() throws {
        // Before any template is parsed: the pragma is looked up as the parser meets it.
        MustacheContentTypes.register(ScalarHTML(), named: Self.contentType)
        var library = MustacheLibrary()
        for (name, template) in Self.templates {
            // A template without the pragma would fall back to mustache's escaping by Character.
            guard template.hasPrefix("{{% CONTENT_TYPE: \(Self.contentType) }}") else {
                throw TemplateError(description: "template \(name) does not declare CONTENT_TYPE \(Self.contentType)")
            }
            try library.register(template, named: name)
        }
        self.library = library
    }

    static let templates = [
        ("head", Assets.head), ("layout", Assets.layout), ("delivery", Assets.delivery), ("message", Assets.message),
        ("preferences", Assets.preferences), ("courier-shell", Assets.courierShell), ("operator-shell", Assets.operatorShell),
    ]

    struct TemplateError: Error, CustomStringConvertible {
        let description: String
    }

    /// A customer page inside the customer layout, under the tenant's name and logo where it has them.
    func render(_ template: String, _ page: some CustomerPage, branding: TenantBranding? = nil) -> String {
        let body = library.render(page, withTemplate: template) ?? ""
        let brand = branding.flatMap { BrandView($0, words: page.words) }
        let layout = Layout(title: page.title, siteName: brand?.name ?? "Doorstep", lang: page.words.lang, brand: brand, body: body)
        return library.render(layout, withTemplate: "layout") ?? body
    }

    /// A whole page of its own (the apps' shells).
    func renderShell(_ template: String, _ view: Any) -> String {
        library.render(view, withTemplate: template) ?? ""
    }

    private struct Layout {
        let title: String
        let siteName: String
        let lang: String
        let brand: BrandView?
        let body: String
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
        response(render("message", MessagePageView(words: strings, title: title, message: body)), status: status)
    }
}
