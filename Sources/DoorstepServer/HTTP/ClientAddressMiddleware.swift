import DoorstepServices
import HTTPTypes
import Hummingbird

/// Sets `clientAddress` on the context: the connection's peer, or behind a trusted proxy the
/// client it reports in `X-Forwarded-For`. Runs first, so limits and logs see the same address.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let proxies: TrustedProxies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let text = context.remoteAddress?.ipAddress, let peer = IPAddress(literal: text) {
            context.clientAddress = proxies.clientAddress(peer: peer, forwardedFor: request.headers[values: .xForwardedFor])
        }
        return try await next(request, context)
    }
}
