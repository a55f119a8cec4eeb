import DoorstepCore
import DoorstepSecurity
import DoorstepServices
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Builds the whole application from the services. `doorstep serve` and the tests call this
/// same function, so there is one wiring path.
/// `outermost`: a middleware that sees every request first and every answer last (the tests'
/// recorder of responses for the contract check).
public func buildApplication(
    _ services: AppServices, outermost: (any MiddlewareProtocol<Request, Response, AppRequestContext>)? = nil,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let router = try buildRouter(services, outermost: outermost)
    let configuration = services.configuration
    let (connections, metrics) = (services.connections, services.metrics)
    return Application(
        router: router,
        // Slowloris: a connection that goes quiet before its request is whole is closed, and one
        // address cannot hold more than its share of connections.
        server: .http1(configuration: .init(
            additionalChannelHandlers: [ConnectionCapHandler(counter: connections, metrics: metrics)],
            idleTimeout: .milliseconds(Int64(configuration.idleTimeout * 1000)))),
        configuration: .init(address: .hostname(configuration.hostname, port: configuration.port), serverName: "Doorstep"),
        services: services.background,
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: services.logger
    )
}

/// Each controller gets the services it calls, and nothing else.
func buildRouter(_ services: AppServices, outermost: (any MiddlewareProtocol<Request, Response, AppRequestContext>)? = nil) throws -> Router<AppRequestContext> {
    let pages = try PageRenderer()
    let router = Router(context: AppRequestContext.self)
    if let outermost { router.add(middleware: outermost) }
    router.add(middleware: ClientAddressMiddleware(proxies: services.configuration.trustedProxies))
    router.add(middleware: AccessLogMiddleware(metrics: services.metrics))
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: ErrorMiddleware(pages: pages))

    HealthController(store: services.store, blobs: services.blobs, diskSpace: services.diskSpace).addRoutes(to: router)
    MetricsController(metrics: services.metrics, tokenDigest: SecretToken.digest(services.infrastructure.metricsToken))
        .addRoutes(to: router)
    // Tenant routes take an API key, or an operator's console session (`ConsoleCookie`).
    let tenants = TenantAuthenticator(accounts: services.accounts, operators: services.operators, activity: services.activity)
    TenantAPIController(
        accounts: services.accounts, authenticator: tenants, deliveries: services.deliveries, privacy: services.privacy, evidence: services.evidence,
        links: services.links
    ).addRoutes(to: router.group("api/v1"))
    CaseController(authenticator: tenants, evidence: services.evidence, desk: services.caseDesk, links: services.links)
        .addRoutes(to: router.group("api/v1/cases"))
    OperatorController(authenticator: tenants, operators: services.operators).addRoutes(to: router.group("api/v1/operators"))
    TwoStepController(authenticator: tenants, twoStep: services.operators.twoStep).addRoutes(to: router.group("api/v1/operator/two-step"))
    EvidencePackController(authenticator: tenants, deliveries: services.deliveries, packs: services.evidencePacks, rateLimits: services.rateLimits)
        .addRoutes(to: router.group("api/v1"))
    CourierAPIController(
        accounts: services.accounts, deliveries: services.deliveries, ingest: services.ingest, evidence: services.evidence,
        links: services.links, uploadKeys: services.infrastructure.uploadKeys,
        uploadBody: UploadBody(
            limit: services.configuration.limits.maxBytes, minimumRate: services.configuration.minUploadRate,
            grace: .milliseconds(Int64(services.configuration.minUploadRateGrace * 1000))),
        uploadBudget: services.uploadBudget, diskSpace: services.diskSpace, rateLimits: services.rateLimits, metrics: services.metrics
    ).addRoutes(to: router.group("api/v1/courier"))
    CustomerController(
        customerAccess: services.customerAccess, privacy: services.privacy, evidence: services.evidence, links: services.links,
        rateLimits: services.rateLimits, pages: pages
    ).addRoutes(to: router)
    WebAppsController(pages: pages).addRoutes(to: router)
    OperatorSessionController(operators: services.operators, rateLimits: services.rateLimits).addRoutes(to: router.group("api/v1/operator/session"))
    APIDocsController().addRoutes(to: router)
    CourierController(accounts: services.accounts).addRoutes(to: router.group("api/v1/couriers").add(middleware: tenants))
    APIKeyController(accounts: services.accounts, authenticator: tenants).addRoutes(to: router.group("api/v1/api-keys"))
    BrandingController(authenticator: tenants, branding: services.branding, rateLimits: services.rateLimits).addRoutes(api: router.group("api/v1/branding"), public: router)
    DashboardController(authenticator: tenants, dashboard: services.dashboard).addRoutes(to: router.group("api/v1/dashboard"))
    ActivityController(authenticator: tenants, activity: services.activity).addRoutes(to: router.group("api/v1/activity"))
    WebhookController(authenticator: tenants, webhooks: services.webhookEndpoints, rateLimits: services.rateLimits).addRoutes(to: router.group("api/v1/webhooks"))
    LiveController(customerAccess: services.customerAccess, authenticator: tenants, live: services.live).addRoutes(to: router)
    SecurityTxtController(contact: services.configuration.securityContact, baseURL: services.configuration.resolvedBaseURL, effects: services.effects)
        .addRoutes(to: router)
    // Every tenant's receipt key, for verifying receipts offline (`doorstep receipt verify`).
    let evidence = services.evidence
    router.get(".well-known/doorstep-keys.json") { request, _ in
        try JSONResponse.make(["keys": try await evidence.publishedKeys()], validating: request, cacheControl: "public, max-age=3600")
    }
    // The same keys as a JWK Set (RFC 7517), for verifying a receipt's `jws` with any JOSE library.
    router.get(".well-known/jwks.json") { request, _ in
        try JSONResponse.make(
            JSONWebKeySet(try await evidence.publishedKeys()), contentType: "application/jwk-set+json", validating: request,
            cacheControl: "public, max-age=3600")
    }
    router.get("/") { request, _ in
        let strings = Strings.forLanguage(Language(bestMatch: request.headers[.acceptLanguage]))
        return pages.message(
            title: "Doorstep", body: "Photo-on-delivery. Customers open their delivery from the link in their message.",
            strings: strings, status: .ok)
    }
    return router
}
