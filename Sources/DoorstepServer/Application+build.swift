import DoorstepCore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Builds the whole application from its dependencies. `doorstep serve` and the tests call this
/// same function, so there is one wiring path.
public func buildApplication(
    _ dependencies: AppDependencies, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let router = try buildRouter(dependencies)
    let configuration = dependencies.configuration
    var services: [any Service] = [OrphanBlobSweeper(dependencies: dependencies), RetentionSweeper(dependencies: dependencies)]
    if configuration.outboxWorker { services.append(OutboxWorker(dependencies: dependencies)) }
    if configuration.databaseURL != nil { services.append(LiveEventRelay(dependencies: dependencies)) }
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.hostname, port: configuration.port), serverName: "Doorstep"),
        services: services,
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: dependencies.logger
    )
}

func buildRouter(_ dependencies: AppDependencies) throws -> Router<AppRequestContext> {
    let pages = try PageRenderer()
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: AccessLogMiddleware(metrics: dependencies.metrics))
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: ErrorMiddleware(pages: pages))

    HealthController(dependencies: dependencies).addRoutes(to: router)
    MetricsController(dependencies: dependencies).addRoutes(to: router)
    TenantAPIController(dependencies: dependencies).addRoutes(to: router.group("api/v1"))
    CourierAPIController(dependencies: dependencies).addRoutes(to: router.group("api/v1/courier"))
    CustomerController(dependencies: dependencies, pages: pages).addRoutes(to: router)
    try WebAppsController().addRoutes(to: router)
    WebhookController(dependencies: dependencies).addRoutes(to: router.group("api/v1/webhooks"))
    LiveController(dependencies: dependencies).addRoutes(to: router)
    // Every tenant's receipt key, for verifying receipts offline (`doorstep receipt verify`).
    router.get(".well-known/doorstep-keys.json") { _, _ in
        var response = try JSONResponse.make(["keys": try await dependencies.evidence.publishedKeys()])
        response.headers[.cacheControl] = "public, max-age=3600"
        return response
    }
    router.get("/") { request, _ in
        let strings = Strings.forLanguage(Language(bestMatch: request.headers[.acceptLanguage]))
        return pages.message(
            title: "Doorstep", body: "Photo-on-delivery. Customers open their delivery from the link in their message.",
            strings: strings, status: .ok)
    }
    return router
}
