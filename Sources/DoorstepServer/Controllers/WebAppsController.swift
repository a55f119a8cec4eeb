import DoorstepCore
import DoorstepServices
import Foundation
import Hummingbird

/// Serves the two web apps built on the API: the courier app (installable PWA: shell in the
/// courier's language, script, service worker, manifest, icon) and the operators' case desk.
struct WebAppsController {
    let pages: PageRenderer

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("courier", use: page)
        router.get("courier/courier.js") { _, _ in Assets.response(Assets.courierScript, type: "text/javascript; charset=utf-8") }
        router.get("courier/sw.js") { _, _ in
            var response = Assets.response(Assets.courierServiceWorker, type: "text/javascript; charset=utf-8")
            // Revalidated on every start, so a new version of the app reaches phones at once.
            response.headers[.cacheControl] = "no-cache"
            // The app lives at /courier (no trailing slash), one level above the script's folder.
            response.headers[.serviceWorkerAllowed] = "/courier"
            return response
        }
        router.get("courier/manifest.webmanifest") { _, _ in Assets.response(Assets.courierManifest, type: "application/manifest+json") }
        router.get("courier/courier.css") { _, _ in Assets.response(Assets.courierCSS, type: "text/css; charset=utf-8") }
        router.get("operator/operator.css") { _, _ in Assets.response(Assets.operatorCSS, type: "text/css; charset=utf-8") }
        router.get("courier/icon.svg") { _, _ in Assets.response(Assets.courierIcon, type: "image/svg+xml") }
        router.get("operator", use: operatorPage)
        router.get("operator/operator.js") { _, _ in Assets.response(Assets.operatorScript, type: "text/javascript; charset=utf-8") }
        router.get("operator/console-deliveries.js") { _, _ in
            Assets.response(Assets.operatorDeliveriesScript, type: "text/javascript; charset=utf-8")
        }
        router.get("operator/console-couriers.js") { _, _ in Assets.response(Assets.operatorCouriersScript, type: "text/javascript; charset=utf-8") }
        router.get("operator/console-settings.js") { _, _ in Assets.response(Assets.operatorSettingsScript, type: "text/javascript; charset=utf-8") }
        router.get("operator/console-webhooks.js") { _, _ in Assets.response(Assets.operatorWebhooksScript, type: "text/javascript; charset=utf-8") }
        router.get("operator/console-keys.js") { _, _ in Assets.response(Assets.operatorKeysScript, type: "text/javascript; charset=utf-8") }
        router.get("operator/console-cases.js") { _, _ in Assets.response(Assets.operatorCasesScript, type: "text/javascript; charset=utf-8") }
        router.get("operator/console-activity.js") { _, _ in
            Assets.response(Assets.operatorActivityScript, type: "text/javascript; charset=utf-8")
        }
        router.get("operator/console-dashboard.js") { _, _ in
            Assets.response(Assets.operatorDashboardScript, type: "text/javascript; charset=utf-8")
        }
        router.get("operator/chart.js") { _, _ in
            guard let script = Assets.chartScript else { throw DoorstepError.notFound }
            return Assets.response(script, type: "text/javascript; charset=utf-8")
        }
        router.get("operator/qrcode.js") { _, _ in
            guard let script = Assets.qrScript else { throw DoorstepError.notFound }
            return Assets.response(script, type: "text/javascript; charset=utf-8")
        }
        router.get("operator/console-account.js") { _, _ in Assets.response(Assets.operatorAccountScript, type: "text/javascript; charset=utf-8") }
    }

    /// The operators' case desk (see OperatorApp).
    @Sendable func operatorPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let language = Self.language(request)
        let words = OperatorApp.words(language)
        var response = try shellResponse("operator-shell", language: language, words: words, title: words["title"] ?? "Doorstep")
        // The photo is fetched by the script and shown from memory (a blob: URL).
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy(images: "'self' blob:")
        response.headers[.permissionsPolicy] = "camera=(), geolocation=(), microphone=()"
        return response
    }

    @Sendable func page(_ request: Request, context: AppRequestContext) async throws -> Response {
        let language = Self.language(request)
        let words = CourierStrings.forLanguage(language)
        var response = try shellResponse("courier-shell", language: language, words: words, title: words["appName"] ?? "Doorstep")
        response.headers[.permissionsPolicy] = "camera=(self), geolocation=(self), microphone=()"
        return response
    }

    /// `?lang=` when given, else the browser's Accept-Language.
    static func language(_ request: Request) -> Language {
        request.uri.queryParameters["lang"].flatMap { Language(rawValue: String($0)) } ?? Language(bestMatch: request.headers[.acceptLanguage])
    }

    /// What an app's shell template reads.
    private struct Shell {
        let lang: String
        let languageName: String
        /// Every other language, each named in itself.
        let otherLanguages: [LanguageLink]
        let title: String
        let stringsJSON: String

        struct LanguageLink { let code: String, name: String }
    }

    /// An app shell: the words go in as JSON, the script builds the views.
    private func shellResponse(_ template: String, language: Language, words: [String: String], title: String) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys  // escapes "/" too, so "</script>" cannot occur
        let html = pages.renderShell(template, Shell(
            lang: language.rawValue, languageName: Strings.forLanguage(language).languageName,
            otherLanguages: Language.allCases.filter { $0 != language }.map {
                .init(code: $0.rawValue, name: Strings.forLanguage($0).languageName)
            },
            title: title, stringsJSON: String(decoding: try encoder.encode(words), as: UTF8.self)))
        var headers: HTTPFields = [:]
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-cache"
        headers[.contentSecurityPolicy] = Self.contentSecurityPolicy()
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// Script from this origin only, no inline script; the camera stream needs no URL at all.
    static func contentSecurityPolicy(images: String = "'self' data:") -> String {
        "default-src 'none'; script-src 'self'; connect-src 'self'; img-src \(images); style-src 'self'; manifest-src 'self'; worker-src 'self'; media-src 'self' mediastream: blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    }
}
