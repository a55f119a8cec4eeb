import AsyncAlgorithms
import DoorstepCore
import Foundation
import DoorstepServices
import Hummingbird
import ServiceLifecycle

/// Server-sent events: a customer's open delivery page hears "delivered" and "photo deleted" the
/// moment they commit; a tenant's dashboard hears every event of the tenant.
struct LiveController {
    let customerAccess: CustomerAccessService
    let authenticator: TenantAuthenticator
    let live: LiveEvents

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("d/:id/events", use: deliveryEvents)
        router.group("api/v1/events").add(middleware: authenticator).get("", use: tenantEvents)
    }

    /// A tenant's stream ends after this long and the client reconnects, showing its key again: a
    /// revoked key stops hearing events within the hour.
    static let tenantStreamLifetime: Duration = .seconds(3600)

    /// The customer's stream ends when the link expires: the page's reconnection is then refused (410).
    @Sendable func deliveryEvents(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (delivery, lifetime) = try await customerAccess.deliveryAndLifetime(request.customerLink(context))
        return stream(live.subscribe(LiveEvents.deliveryTopic(delivery.id)), lifetime: lifetime)
    }

    @Sendable func tenantEvents(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant(.read).tenant
        var lifetime = Self.tenantStreamLifetime
        // An operator's stream ends when their session would go idle (the console reconnects, so
        // a session signed out, disabled or left alone stops hearing events within that time).
        if case .staff(_, _, let endsIn) = context.identity {
            lifetime = min(lifetime, .milliseconds(Int64(max(1, endsIn) * 1000)))
        }
        return stream(live.subscribe(LiveEvents.tenantTopic(tenant.id)), lifetime: lifetime)
    }

    /// `text/event-stream`: one event per committed change, a comment every 15 s to keep proxies
    /// from closing the connection, and an end when the credential's `lifetime` is over or the
    /// server shuts down.
    private func stream(_ events: AsyncStream<OutboxEvent>, lifetime: Duration) -> Response {
        let frames = events.map { event -> ByteBuffer in
            let data = (try? JSONResponse.encoder.encode(LiveEventPayload(event))).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            return ByteBuffer(string: "id: \(event.id)\nevent: \(event.type.rawValue)\ndata: \(data)\n\n")
        }
        let heartbeats = AsyncTimerSequence(interval: .seconds(15), clock: .continuous).map { _ in ByteBuffer(string: ": keep-alive\n\n") }
        let opening = [ByteBuffer(string: "retry: 3000\n: connected\n\n")].async
        // nil marks the end: the first tick of a timer set to the lifetime.
        let end = AsyncTimerSequence(interval: lifetime, clock: .continuous).map { _ -> ByteBuffer? in nil }
        let live = merge(frames.map(Optional.some), heartbeats.map(Optional.some), end).prefix { $0 != nil }.compactMap { $0 }
        let body = chain(opening, live).cancelOnGracefulShutdown()
        var headers: HTTPFields = [:]
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: ResponseBody(asyncSequence: body))
    }
}

struct LiveEventPayload: Encodable {
    var type: String
    var deliveryID: String?
    var photoID: String?
    var at: Date

    enum CodingKeys: String, CodingKey {
        case type, deliveryID = "delivery_id", photoID = "photo_id", at
    }

    init(_ event: OutboxEvent) {
        type = event.type.rawValue
        deliveryID = event.deliveryID
        photoID = event.photoID
        at = event.occurredAt
    }
}
