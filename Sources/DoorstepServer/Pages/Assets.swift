import Hummingbird

/// The web assets: real files under Assets/ (HTML templates, stylesheets, scripts, the service
/// worker, the manifest and the icon) that editors and linters see, embedded in the binary at
/// build time by SwiftPM (`.embedInCode`), so nothing is looked up on disk at run time.
enum Assets {
    /// The stylesheet every page links first.
    static let baseCSS = text(PackageResources.base_css)
    /// The `<head>` lines every page shares (a partial).
    static let head = text(PackageResources.head_mustache)

    // The customer's pages.
    static let layout = text(PackageResources.layout_mustache)
    static let delivery = text(PackageResources.delivery_mustache)
    static let preferences = text(PackageResources.preferences_mustache)
    static let message = text(PackageResources.message_mustache)
    static let customerCSS = text(PackageResources.customer_css)
    static let pageScript = text(PackageResources.page_js)

    // The courier app (an installable PWA).
    static let courierShell = text(PackageResources.courier_shell_mustache)
    static let courierCSS = text(PackageResources.courier_css)
    static let courierScript = text(PackageResources.courier_js)
    static let courierServiceWorker = text(PackageResources.courier_sw_js)
    static let courierManifest = text(PackageResources.courier_webmanifest)
    static let courierIcon = text(PackageResources.courier_icon_svg)

    // The operators' case desk.
    static let operatorShell = text(PackageResources.operator_shell_mustache)
    static let operatorCSS = text(PackageResources.operator_css)
    static let operatorScript = text(PackageResources.operator_js)
    static let operatorDeliveriesScript = text(PackageResources.console_deliveries_js)
    static let operatorCouriersScript = text(PackageResources.console_couriers_js)
    static let operatorSettingsScript = text(PackageResources.console_settings_js)
    static let operatorWebhooksScript = text(PackageResources.console_webhooks_js)
    static let operatorKeysScript = text(PackageResources.console_keys_js)
    static let operatorActivityScript = text(PackageResources.console_activity_js)
    static let operatorCasesScript = text(PackageResources.console_cases_js)
    static let operatorDashboardScript = text(PackageResources.console_dashboard_js)
    /// Chart.js, from Debian's libjs-chart.js (scripts/setup installs it; not ours to copy into
    /// the tree), read once at start. Without it the dashboard shows its figures as tables only.
    static let chartScript = try? String(contentsOfFile: "/usr/share/javascript/chart.js/chart.min.js", encoding: .utf8)
    /// qrcode-generator, from Debian's node-qrcode-generator (likewise): draws the authenticator
    /// app's QR code for two-step sign-in. Without it the console shows the key to type instead.
    static let qrScript = try? String(contentsOfFile: "/usr/share/javascript/qrcode-generator/qrcode.js", encoding: .utf8)
    static let operatorAccountScript = text(PackageResources.console_account_js)

    // The API contract and its reference for people (APIDocsController).
    static let openAPI = text(PackageResources.openapi_json)
    static let apiReference = text(PackageResources.api_reference_html)
    static let apiReferenceCSS = text(PackageResources.api_reference_css)

    /// An asset as a response: public, cached briefly (a new version reaches browsers in minutes).
    static func response(_ text: String, type: String) -> Response {
        var headers: HTTPFields = [:]
        headers[.contentType] = type
        headers[.cacheControl] = "public, max-age=300"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    private static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}
