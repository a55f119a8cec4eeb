import DoorstepCore
import Foundation
import Hummingbird
import Mustache

/// Serves the courier web app (installable PWA): the shell in the courier's language, the script,
/// the service worker, the manifest and the icon. Everything it shows comes from the courier API.
struct CourierAppController {
    let shell: MustacheTemplate

    init() throws {
        shell = try MustacheTemplate(string: CourierShell.html)
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("courier", use: page)
        router.get("courier/courier.js") { _, _ in Self.asset(CourierScript.source, type: "text/javascript; charset=utf-8") }
        router.get("courier/sw.js") { _, _ in
            var response = Self.asset(CourierShell.serviceWorker, type: "text/javascript; charset=utf-8")
            // Revalidated on every start, so a new version of the app reaches phones at once.
            response.headers[.cacheControl] = "no-cache"
            // The app lives at /courier (no trailing slash), one level above the script's folder.
            response.headers[.serviceWorkerAllowed] = "/courier"
            return response
        }
        router.get("courier/manifest.webmanifest") { _, _ in Self.asset(CourierShell.manifest, type: "application/manifest+json") }
        router.get("courier/icon.svg") { _, _ in Self.asset(CourierShell.icon, type: "image/svg+xml") }
    }

    @Sendable func page(_ request: Request, context: AppRequestContext) async throws -> Response {
        let chosen = request.uri.queryParameters["lang"].flatMap { Language(rawValue: String($0)) }
        let language = chosen ?? Language(bestMatch: request.headers[.acceptLanguage])
        let other: Language = language == .fr ? .en : .fr
        let words = CourierStrings.forLanguage(language)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys  // escapes "/" too, so "</script>" cannot occur
        let html = shell.render([
            "lang": language.rawValue,
            "otherLang": other.rawValue,
            "otherLanguageName": words["language"] ?? other.rawValue,
            "appName": words["appName"] ?? "Doorstep",
            "stringsJSON": String(decoding: try encoder.encode(words), as: UTF8.self),
        ])
        var headers: HTTPFields = [:]
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-cache"
        headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        headers[.permissionsPolicy] = "camera=(self), geolocation=(self), microphone=()"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// Script from this origin only, no inline script; the camera stream needs no URL at all.
    static let contentSecurityPolicy = "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'unsafe-inline'; manifest-src 'self'; worker-src 'self'; media-src 'self' mediastream: blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

    static func asset(_ text: String, type: String) -> Response {
        var headers: HTTPFields = [:]
        headers[.contentType] = type
        headers[.cacheControl] = "public, max-age=300"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
