import DoorstepCore
import DoorstepServices
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import DoorstepServer

/// Every route the router serves × every kind of credential, from the router itself: a route added
/// without an entry in `rules` fails the first test, so no endpoint ships without its access
/// decided here. "Allowed" means the route does its work (2xx, or a 4xx about the input such as
/// 409/422); "refused" means 401, 403, 404 or 410 with nothing done.
@Suite struct AuthorizationMatrixTests {
    enum Credential: String, CaseIterable, Sendable {
        case none, apiKey, otherTenantKey, courier, otherTenantCourier, deliveryLink, otherDeliveryLink, expiredLink, preferencesLink, metricsToken
        /// The operator console's session cookie (with its anti-forgery token): an admin and a
        /// support agent of the tenant, and an admin of another tenant.
        case adminOperator, supportOperator, otherTenantOperator
    }

    struct Rule {
        var allowed: Set<Credential>
        var body: [UInt8] = []
        var contentType = "application/json"
        var query = ""
        /// A stream that stays open while allowed: only its refusals are requested here (its end is
        /// tested where it is built, LiveController).
        var streams = false
    }

    static let everyone = Set(Credential.allCases)
    /// A tenant's own objects: its key, its admins; support staff where deliveries and cases are concerned.
    static let tenantAdmins: Set<Credential> = [.apiKey, .adminOperator]
    static let tenantStaff: Set<Credential> = [.apiKey, .adminOperator, .supportOperator]
    /// Collections: any tenant's key or admin (scoped to that tenant); `staff` adds support agents.
    static let tenantKeys: Set<Credential> = [.apiKey, .otherTenantKey, .adminOperator, .otherTenantOperator]
    static let staff = tenantKeys.union([.supportOperator])
    static let operators: Set<Credential> = [.adminOperator, .supportOperator, .otherTenantOperator]
    static func json(_ text: String) -> [UInt8] { Array(text.utf8) }

    static let rules: [String: Rule] = [
        // Public: pages, assets, probes, published keys.
        "GET /": .init(allowed: everyone), "GET /healthz": .init(allowed: everyone), "GET /readyz": .init(allowed: everyone),
        "GET /.well-known/doorstep-keys.json": .init(allowed: everyone), "GET /.well-known/jwks.json": .init(allowed: everyone),
        "GET /.well-known/security.txt": .init(allowed: everyone),
        "GET /static/page.js": .init(allowed: everyone), "GET /static/base.css": .init(allowed: everyone),
        "GET /static/customer.css": .init(allowed: everyone), "GET /courier": .init(allowed: everyone),
        "GET /courier/courier.js": .init(allowed: everyone), "GET /courier/sw.js": .init(allowed: everyone),
        "GET /courier/manifest.webmanifest": .init(allowed: everyone), "GET /courier/courier.css": .init(allowed: everyone),
        "GET /courier/icon.svg": .init(allowed: everyone), "GET /operator": .init(allowed: everyone),
        "GET /operator/operator.css": .init(allowed: everyone), "GET /operator/operator.js": .init(allowed: everyone),
        "GET /operator/console-deliveries.js": .init(allowed: everyone), "GET /operator/console-couriers.js": .init(allowed: everyone),
        "GET /api/v1/courier/upload-key": .init(allowed: everyone),
        "GET /api/v1/openapi.json": .init(allowed: everyone), "GET /docs": .init(allowed: everyone),
        "GET /docs/api-reference.css": .init(allowed: everyone),
        // Signing in is open to all: the password is the credential (filled in per run).
        "POST /api/v1/courier/login": .init(allowed: everyone), "POST /api/v1/operator/session": .init(allowed: everyone),
        // Signing out answers 204 to anyone (without a session there is nothing to end).
        "DELETE /api/v1/operator/session": .init(allowed: everyone),
        "GET /api/v1/operator/session": .init(allowed: operators),
        "GET /metrics": .init(allowed: [.metricsToken]),
        // A tenant's own objects: another tenant's key sees nothing.
        "GET /api/v1/deliveries/{id}": .init(allowed: tenantStaff), "GET /api/v1/deliveries/{id}/notifications": .init(allowed: tenantStaff),
        "POST /api/v1/deliveries/{id}/out-for-delivery": .init(allowed: tenantStaff),
        "GET /api/v1/deliveries/{id}/photo": .init(allowed: tenantStaff),
        "DELETE /api/v1/deliveries/{id}/photo": .init(allowed: tenantStaff),
        "GET /api/v1/deliveries/{id}/receipt": .init(allowed: tenantStaff),
        "GET /api/v1/deliveries/{id}/evidence": .init(allowed: tenantStaff),
        "GET /api/v1/deliveries/{id}/evidence.pdf": .init(allowed: tenantStaff),
        "GET /api/v1/cases/{id}": .init(allowed: tenantStaff),
        "POST /api/v1/cases/{id}/resolve": .init(allowed: tenantStaff, body: json(#"{"resolution": "refunded"}"#)),
        "POST /api/v1/cases/{id}/assign": .init(allowed: tenantStaff, body: json(#"{"operator_id": null}"#)),
        "POST /api/v1/cases/{id}/notes": .init(allowed: tenantStaff, body: json(#"{"text": "Called the customer"}"#)),
        "DELETE /api/v1/webhooks/{id}": .init(allowed: tenantAdmins),
        "DELETE /api/v1/api-keys/{id}": .init(allowed: tenantAdmins),
        "POST /api/v1/webhooks/{id}/rotate-secret": .init(allowed: tenantAdmins),
        "POST /api/v1/webhooks/{id}/test": .init(allowed: tenantAdmins),
        "GET /api/v1/webhooks/{id}/deliveries": .init(allowed: tenantAdmins),
        // The first allowed caller sends the dead letter again; the next one hears 409 (it is pending).
        "POST /api/v1/webhooks/{id}/deliveries/{message}/replay": .init(allowed: tenantAdmins),
        // Collections: any tenant's key, scoped to that tenant.
        "POST /api/v1/deliveries": .init(allowed: staff, body: json(#"""
            {"order_reference": "M-1", "address": "1 Main St", "latitude": 48.85, "longitude": 2.35,
             "recipient": {"name": "Ann", "email": "ann@example.com", "language": "en"}}
            """#)),
        "POST /api/v1/deliveries/batch": .init(allowed: staff, body: json(#"""
            {"deliveries": [{"order_reference": "M-B", "address": "1 Main St", "latitude": 48.85, "longitude": 2.35,
             "recipient": {"name": "Ann", "email": "ann@example.com", "language": "en"}}]}
            """#)),
        "GET /api/v1/deliveries": .init(allowed: staff),
        "GET /api/v1/settings": .init(allowed: tenantKeys), "PUT /api/v1/settings": .init(allowed: tenantKeys, body: json("{}")),
        "PATCH /api/v1/settings": .init(allowed: tenantKeys, body: json(#"{"email_includes_photo": false}"#)),
        "GET /api/v1/recipients/export": .init(allowed: tenantKeys, query: "email=ann%40example.com"),
        "POST /api/v1/recipients/erase": .init(allowed: tenantKeys, body: json(#"{"email": "nobody@example.com"}"#)),
        "GET /api/v1/cases": .init(allowed: staff), "GET /api/v1/operators": .init(allowed: staff),
        // One's own two-step sign-in: any operator, for their own account only. Turning it on or
        // off needs a code, so an allowed call is a well-formed refusal (422), never a change.
        "GET /api/v1/operator/two-step": .init(allowed: operators), "GET /api/v1/operator/two-step/new": .init(allowed: operators),
        "PUT /api/v1/operator/two-step": .init(allowed: operators, body: json(#"{"secret": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "code": "000000"}"#)),
        "POST /api/v1/operator/two-step/off": .init(allowed: operators, body: json(#"{"code": "000000"}"#)),
        "POST /api/v1/webhooks": .init(allowed: tenantKeys, body: json(#"{"url": "https://hooks.example.com/"}"#)),
        "GET /api/v1/webhooks": .init(allowed: tenantKeys),
        "GET /api/v1/events": .init(allowed: staff, streams: true),
        "GET /api/v1/api-keys": .init(allowed: tenantKeys),
        "GET /api/v1/couriers": .init(allowed: staff),
        "POST /api/v1/couriers": .init(allowed: tenantKeys, body: json(#"{"username": "matrix-courier", "display_name": "M"}"#)),
        "POST /api/v1/couriers/{id}/disable": .init(allowed: tenantAdmins), "POST /api/v1/couriers/{id}/enable": .init(allowed: tenantAdmins),
        "POST /api/v1/couriers/{id}/reset-password": .init(allowed: tenantAdmins),
        "POST /api/v1/api-keys": .init(allowed: tenantKeys, body: json(#"{"name": "Matrix", "scopes": ["read"]}"#)),
        // Branding is a setting: admins' and keys', never support staff's. What the customer's pages
        // load of it (the logo by its digest, the colour by its value) is public.
        "GET /api/v1/branding": .init(allowed: tenantKeys),
        "PATCH /api/v1/branding": .init(allowed: tenantKeys, body: json(#"{"display_name": "Matrix"}"#)),
        "PUT /api/v1/branding/logo": .init(allowed: tenantKeys, body: Photos.jpeg, contentType: "image/jpeg"),
        "DELETE /api/v1/branding/logo": .init(allowed: tenantKeys),
        "GET /brand/logo/{file}": .init(allowed: everyone), "GET /brand/accent/{file}": .init(allowed: everyone),
        "GET /operator/console-settings.js": .init(allowed: everyone), "GET /operator/console-webhooks.js": .init(allowed: everyone),
        "GET /operator/console-keys.js": .init(allowed: everyone), "GET /operator/console-activity.js": .init(allowed: everyone),
        "GET /operator/console-cases.js": .init(allowed: everyone), "GET /operator/console-account.js": .init(allowed: everyone),
        "GET /operator/qrcode.js": .init(allowed: everyone),
        "GET /operator/console-dashboard.js": .init(allowed: everyone), "GET /operator/chart.js": .init(allowed: everyone),
        "GET /api/v1/dashboard": .init(allowed: staff),
        // Who changed what: admins and keys, never support staff.
        "GET /api/v1/activity": .init(allowed: tenantKeys),
        // Couriers: their own list; only the assigned courier acts on a stop.
        "GET /api/v1/courier/deliveries": .init(allowed: [.courier, .otherTenantCourier]),
        "POST /api/v1/courier/deliveries/{id}/photo": .init(allowed: [.courier], body: Photos.jpeg, contentType: "image/jpeg",
                                                             query: "placement=porch"),
        "GET /api/v1/courier/deliveries/{id}/photo": .init(allowed: [.courier]),
        "POST /api/v1/courier/deliveries/{id}/delivered": .init(allowed: [.courier], body: json(#"{"placement": "porch"}"#)),
        "POST /api/v1/courier/deliveries/{id}/handover": .init(allowed: [.courier], body: json(#"{"code": "x"}"#)),
        "POST /api/v1/courier/deliveries/{id}/signature": .init(allowed: [.courier], body: Photos.jpeg, contentType: "image/jpeg"),
        "POST /api/v1/courier/deliveries/{id}/attempts": .init(allowed: [.courier], body: Photos.jpeg, contentType: "image/jpeg",
                                                                query: "reason=nobody_home"),
        "POST /api/v1/courier/deliveries/{id}/capture-ticket": .init(allowed: [.courier]),
        // The customer's link, for its own delivery and purpose only, until it expires.
        "GET /d/{id}": .init(allowed: [.deliveryLink]), "GET /d/{id}/photo/{variant}": .init(allowed: [.deliveryLink]),
        "POST /d/{id}/photo/delete": .init(allowed: [.deliveryLink]),
        "POST /d/{id}/problem": .init(allowed: [.deliveryLink], body: Array("kind=other".utf8), contentType: "application/x-www-form-urlencoded"),
        "POST /d/{id}/drop": .init(allowed: [.deliveryLink], body: Array("kind=none".utf8), contentType: "application/x-www-form-urlencoded"),
        "GET /d/{id}/receipt": .init(allowed: [.deliveryLink]),
        "GET /d/{id}/events": .init(allowed: [.deliveryLink]),
        "GET /o/{id}": .init(allowed: [.preferencesLink]),
        "POST /o/{id}": .init(allowed: [.preferencesLink], body: Array("choice=opted_in".utf8), contentType: "application/x-www-form-urlencoded"),
    ]

    @Test func everyRouteHasItsAccessDecided() async throws {
        try await TestApp.run { app in
            let served = Set(try buildRouter(app.services).routes.map { "\($0.method) \($0.path)" })
            #expect(served.subtracting(Self.rules.keys).isEmpty, "routes without a rule: \(served.subtracting(Self.rules.keys).sorted())")
            #expect(Set(Self.rules.keys).subtracting(served).isEmpty, "rules for no route: \(Set(Self.rules.keys).subtracting(served).sorted())")
        }
    }

    @Test func eachCredentialReachesExactlyWhatItShould() async throws {
        // Links live 2 s (a delivery page's event stream ends with its link), frozen by the test clock.
        try await TestApp.run(configure: {
            $0.customerLinkLifetime = 2
            $0.securityContact = "mailto:security@shop.example"
            $0.outboxWorker = false
            // One upload per route by one courier under a frozen clock: more than the upload rate
            // allows. Rate limits have their own tests (RateLimitTests); this one is about access.
            $0.rateLimits = nil
        }) { app in
            let other = try await app.services.accounts.createTenant(name: "Other shop")
            let otherCourier = try await app.services.accounts.createCourier(
                tenantID: other.tenant.id, username: "other-\(UUID().uuidString.prefix(8))", displayName: "O", password: "correct horse battery")
            let otherSession = try await app.services.accounts.openSession(for: otherCourier)
            let consoleSessions: [Credential: (username: String, session: @Sendable () async throws -> OperatorAccounts.Session)] = [
                .adminOperator: try await app.operatorSignIn(.admin),
                .supportOperator: try await app.operatorSignIn(.support),
                .otherTenantOperator: try await app.operatorSignIn(.admin, tenant: other.tenant),
            ]
            var opened: [Credential: OperatorAccounts.Session] = [:]
            for (credential, sign) in consoleSessions { opened[credential] = try await sign.session() }
            let cookies = opened
            let failures = EventLog()
            try await app.application.test(.router) { client in
                for (route, rule) in Self.rules.sorted(by: { $0.key < $1.key }) {
                    // A fresh stop for each route: some routes delete or close what they act on.
                    let delivery = try await app.delivery()
                    try await app.upload(delivery, client: client)
                    let elsewhere = try await app.delivery()
                    let query = { (path: String) in String(path.split(separator: "?")[1]) }
                    let links: [Credential: String] = [
                        .deliveryLink: query(app.customerPath(delivery)), .otherDeliveryLink: query(app.customerPath(elsewhere)),
                        .preferencesLink: query(app.preferencesPath(delivery)), .expiredLink: try expiredLinkQuery(app, delivery),
                    ]
                    let id: String
                    var messageID = ""
                    if route.contains("/deliveries/{message}/replay") {
                        // An endpoint with a dead letter: an event for it that was given up on.
                        let endpoint = try await app.services.webhookEndpoints.create(url: "https://hooks.example.com/m", eventTypes: [], for: app.tenant)
                        let stop = try await app.delivery()
                        _ = try await client.execute(uri: "/api/v1/deliveries/\(stop.id)/out-for-delivery", method: .post, headers: app.apiHeaders)
                        let message = try #require(try await app.services.store.outboxMessages(state: nil, endpointID: endpoint.id, limit: 10).first)
                        try await app.services.store.failOutboxMessage(id: message.id, error: "HTTP 500", retryAt: nil)
                        (id, messageID) = (endpoint.id, message.id)
                    } else if route.contains("/cases/{id}") {
                        _ = try await client.execute(uri: "/d/\(delivery.id)/problem?\(links[.deliveryLink]!)", method: .post, headers: .form,
                                                     body: ByteBuffer(string: "kind=other"))
                        id = try #require(try await app.services.store.problemReports(deliveryID: delivery.id).first?.id)
                    } else if route.contains("/api-keys/{id}") {
                        id = try await app.services.accounts.createAPIKey(tenantID: app.tenant.id, name: "Spare", scopes: [.read]).key.id
                    } else if route.contains("/webhooks/{id}") {
                        id = try await app.services.webhookEndpoints.create(url: "https://hooks.example.com/m", eventTypes: [], for: app.tenant).id
                    } else if route.contains("/couriers/{id}") {
                        id = try await app.services.accounts.createCourier(
                            tenantID: app.tenant.id, username: "spare-\(UUID().uuidString.prefix(8))", displayName: "S", password: "correct horse battery").id
                    } else if route.contains("/brand/logo/") {
                        id = try #require(try await app.services.branding.setLogo(Photos.jpeg, of: app.tenant).logo?.digest) + ".jpg"
                    } else if route.contains("/brand/accent/") {
                        id = "0b5394.css"
                    } else {
                        id = delivery.id
                    }
                    let parts = route.split(separator: " ", maxSplits: 1)
                    // Refusals first, while what the route acts on is still there.
                    let order = Credential.allCases.sorted { !rule.allowed.contains($0) && rule.allowed.contains($1) }
                    var deleted = false
                    for credential in order {
                        let allowed = rule.allowed.contains(credential)
                        if allowed && rule.streams { continue }
                        // A deletion allowed to several credentials: each after the first gets a
                        // fresh object of the same kind (a key, an endpoint, a photographed stop).
                        var target = id
                        if deleted {
                            if route.contains("/api-keys/{id}") {
                                target = try await app.services.accounts.createAPIKey(tenantID: app.tenant.id, name: "Spare", scopes: [.read]).key.id
                            } else if route.contains("/webhooks/{id}") {
                                target = try await app.services.webhookEndpoints.create(url: "https://hooks.example.com/m", eventTypes: [], for: app.tenant).id
                            } else {
                                let another = try await app.delivery()
                                try await app.upload(another, client: client)
                                target = another.id
                            }
                        }
                        if allowed && parts[0] == "DELETE" && route.contains("{id}") { deleted = true }
                        let path = String(parts[1]).replacingOccurrences(of: "{id}", with: target).replacingOccurrences(of: "{file}", with: target)
                            .replacingOccurrences(of: "{message}", with: messageID)
                            .replacingOccurrences(of: "{variant}", with: "display")
                        var headers: HTTPFields = [.contentType: rule.contentType]
                        switch credential {
                        case .apiKey: headers[.authorization] = "Bearer \(app.apiKey)"
                        case .otherTenantKey: headers[.authorization] = "Bearer \(other.apiKey)"
                        case .courier: headers[.authorization] = "Bearer \(app.courierToken)"
                        case .otherTenantCourier: headers[.authorization] = "Bearer \(otherSession.token)"
                        case .metricsToken: headers[.authorization] = "Bearer \(TestApp.metricsToken)"
                        default: break
                        }
                        if var session = cookies[credential] {
                            // Signing out ends the session: that request gets one of its own.
                            if route == "DELETE /api/v1/operator/session" { session = try await consoleSessions[credential]!.session() }
                            headers[.cookie] = TestApp.consoleHeaders(session)[.cookie]
                            headers[.csrfToken] = session.csrfToken
                        }
                        if route.hasPrefix("POST /api/v1/courier/deliveries/{id}/photo") { headers[.idempotencyKey] = "matrix-\(credential.rawValue)" }
                        var body = rule.body
                        if route == "POST /api/v1/courier/login" {
                            body = Array(#"{"username": "\#(app.courier.username)", "password": "correct horse battery"}"#.utf8)
                        }
                        if route == "POST /api/v1/operator/session" {
                            let username = consoleSessions[.adminOperator]!.username
                            body = Array(#"{"username": "\#(username)", "password": "correct horse battery"}"#.utf8)
                        }
                        let queryItems = [rule.query, links[credential] ?? ""].filter { !$0.isEmpty }.joined(separator: "&")
                        let uri = queryItems.isEmpty ? path : path + "?" + queryItems
                        let response = try await client.execute(
                            uri: uri, method: HTTPRequest.Method(String(parts[0]))!, headers: headers,
                            body: body.isEmpty ? nil : ByteBuffer(bytes: body))
                        let refused = [401, 403, 404, 410].contains(Int(response.status.code))
                        if refused == allowed {
                            failures.append("\(route) with \(credential.rawValue): \(response.status.code), expected \(allowed ? "allowed" : "refused")")
                        }
                    }
                }
            }
            #expect(failures.all.isEmpty, "\(failures.all.joined(separator: "\n"))")
        }
    }

    /// The query of this delivery's link as signed long enough ago to have expired.
    private func expiredLinkQuery(_ app: TestApp, _ delivery: Delivery) throws -> String {
        let back = app.services.configuration.customerLinkLifetime + 60
        app.clock.advance(by: -back)
        defer { app.clock.advance(by: back) }
        return String(app.customerPath(delivery).split(separator: "?")[1])
    }
}
