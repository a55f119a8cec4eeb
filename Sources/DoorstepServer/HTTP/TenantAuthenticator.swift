import DoorstepCore
import DoorstepServices
import Hummingbird
import HummingbirdAuth

/// Tenant routes: a tenant by one of its API keys (`Authorization: Bearer dsk_…`; the key's first
/// characters name it in the audit trail), or one of its operators by the console's session
/// cookie. A request with a bearer token is judged by that token alone. Every change a caller
/// makes through these routes goes into the tenant's activity log with who made it: recorded
/// here, where every tenant route passes, so none is left out.
struct TenantAuthenticator: AuthenticatorMiddleware {
    typealias Context = AppRequestContext
    let accounts: AccountService
    let operators: OperatorAccounts
    let activity: ActivityLog

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let caller = try await authenticate(request: request, context: context) { context.identity = caller }
        let response = try await next(request, context)
        await activity.record(request, response, context: context)
        return response
    }

    func authenticate(request: Request, context: Context) async throws -> Caller? {
        if let token = request.bearerToken {
            guard let found = try await unlessUnauthenticated({ try await accounts.tenant(apiKey: token) }) else { return nil }
            return .tenant(found.tenant, key: found.key)
        }
        guard let token = ConsoleCookie.token(in: request) else { return nil }
        // Before the session is looked up: a forged request does not even keep it from going idle.
        try ConsoleCookie.checkNotForged(request, sessionToken: token)
        guard let session = try await unlessUnauthenticated({ try await operators.session(token: token) }) else { return nil }
        return .staff(session.tenant, session.account, endsIn: session.endsIn)
    }

    /// nil for `unauthenticated` (the handler then answers 401); other errors pass.
    private func unlessUnauthenticated<T>(_ body: () async throws -> T) async throws -> T? {
        do { return try await body() } catch DoorstepError.unauthenticated { return nil }
    }
}

/// The operator console's session cookie, and what a request carrying it must also show.
enum ConsoleCookie {
    /// `__Host-`: the browser keeps it only as sent with Secure, Path=/ and no Domain, so no other
    /// host (a sibling subdomain) can set or overwrite it.
    static let name = "__Host-doorstep-console"

    static func token(in request: Request) -> String? {
        request.cookies[name]?.value
    }

    /// HttpOnly (no script reads it), Secure, SameSite=Strict (no other site's page sends it).
    static func cookie(_ token: String, maxAge: Int) -> Cookie {
        Cookie(name: name, value: token, maxAge: maxAge, path: "/", secure: true, httpOnly: true, sameSite: .strict)
    }

    static var cleared: Cookie { cookie("", maxAge: 0) }

    /// Against cross-site request forgery, beyond SameSite=Strict (which a sibling subdomain
    /// passes): a request the browser marks as not from this origin is refused, and a change
    /// must carry the anti-forgery token, which only the console's own script was given.
    static func checkNotForged(_ request: Request, sessionToken: String) throws {
        try checkSameOrigin(request)
        if [.get, .head].contains(request.method) { return }
        guard OperatorAccounts.isValidCSRFToken(request.headers[.csrfToken], for: sessionToken) else {
            throw DoorstepError.crossSiteRequest
        }
    }

    /// `Sec-Fetch-Site` where the browser sends it; else, for browsers without it, an `Origin`
    /// naming another host than the request's own.
    static func checkSameOrigin(_ request: Request) throws {
        if let site = request.headers[.secFetchSite] {
            guard site == "same-origin" || site == "none" else { throw DoorstepError.crossSiteRequest }
            return
        }
        guard let origin = request.headers[.origin] else { return }
        let authority = origin.split(separator: "://", maxSplits: 1).last.map(String.init)
        guard origin.contains("://"), let authority, authority.lowercased() == request.head.authority?.lowercased() else {
            throw DoorstepError.crossSiteRequest
        }
    }
}
