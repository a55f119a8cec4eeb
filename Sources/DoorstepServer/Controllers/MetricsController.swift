import DoorstepCore
import DoorstepSecurity
import DoorstepServices
import Hummingbird

/// `/metrics` for Prometheus, behind a bearer token: request rates by route would tell a
/// stranger how busy each tenant's couriers are, so the numbers are not public.
struct MetricsController {
    let metrics: AppMetrics
    /// Digest of the token Prometheus scrapes with.
    let tokenDigest: String

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("metrics") { request, _ in
            guard let token = request.bearerToken, SecretToken.digest(token) == tokenDigest else {
                throw DoorstepError.unauthenticated
            }
            var headers: HTTPFields = [:]
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
    }
}
