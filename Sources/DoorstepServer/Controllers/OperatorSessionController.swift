import DoorstepCore
import DoorstepServices
import Foundation
import Hummingbird

/// The operator console's sign-in: a password opens a session held in an HttpOnly cookie
/// (`ConsoleCookie`); the answer gives the console's script the anti-forgery token it sends with
/// every change, and who is signed in (for what the console offers: support staff see no settings).
struct OperatorSessionController {
    let operators: OperatorAccounts
    let rateLimits: RateLimits

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("", use: signIn)
        group.get("", use: current)
        group.delete("", use: signOut)
    }

    @Sendable func signIn(_ request: Request, context: AppRequestContext) async throws -> Response {
        // Not from another site's page: that would sign the person in to someone else's account.
        // A JSON content type cannot be sent across sites without a CORS preflight (never granted),
        // so even a browser that sends neither Sec-Fetch-Site nor Origin cannot be made to post here.
        try ConsoleCookie.checkSameOrigin(request)
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
            throw DoorstepError.invalidInput(field: "Content-Type", reason: "must be application/json")
        }
        let body = try await request.decodeJSON(as: LoginRequest.self, context: context, limit: 4096)
        let session = try await rateLimits.signIn(from: context.clientKey) {
            try await operators.signIn(username: body.username, password: body.password, code: body.code)
        }
        var response = try JSONResponse.make(OperatorSessionResource(session), status: .created)
        response.setCookie(ConsoleCookie.cookie(session.token, maxAge: Int(operators.lifetime)))
        return response
    }

    /// Who the cookie signs in, for a console page being opened; 401 without a live session.
    @Sendable func current(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let token = ConsoleCookie.token(in: request) else { throw DoorstepError.unauthenticated }
        try ConsoleCookie.checkNotForged(request, sessionToken: token)
        let session = try await operators.session(token: token)
        return try JSONResponse.make(OperatorSessionResource(session))
    }

    /// Ends the session on the server (a copied cookie is worthless from now on) and in the browser.
    @Sendable func signOut(_ request: Request, context: AppRequestContext) async throws -> Response {
        if let token = ConsoleCookie.token(in: request) {
            try ConsoleCookie.checkNotForged(request, sessionToken: token)
            try await operators.signOut(token: token)
        }
        var response = Response(status: .noContent)
        response.setCookie(ConsoleCookie.cleared)
        return response
    }
}

/// A console session as its script sees it: never the session token itself (that is the cookie).
struct OperatorSessionResource: Encodable {
    struct Account: Encodable {
        var id: String
        var username: String
        var displayName: String
        var role: OperatorRole

        enum CodingKeys: String, CodingKey {
            case id, username, displayName = "display_name", role
        }
    }

    struct TenantName: Encodable {
        var id: String
        var name: String
    }

    var `operator`: Account
    var tenant: TenantName
    var csrfToken: String
    var expiresAt: Date

    init(_ session: OperatorAccounts.Session) {
        let account = session.account
        self.operator = Account(id: account.id, username: account.username, displayName: account.displayName, role: account.role)
        tenant = TenantName(id: session.tenant.id, name: session.tenant.name)
        csrfToken = session.csrfToken
        expiresAt = session.expiresAt
    }

    enum CodingKeys: String, CodingKey {
        case `operator`, tenant, csrfToken = "csrf_token", expiresAt = "expires_at"
    }
}
