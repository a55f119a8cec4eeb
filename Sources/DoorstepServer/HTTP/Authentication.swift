import DoorstepCore
import DoorstepServices
import DoorstepStorage
import Hummingbird
import HummingbirdAuth

/// Who is calling, established once per request by the authenticator of the route group
/// (hummingbird-auth): a tenant by one of its API keys, or a courier by a session token.
public enum Caller: Sendable {
    case tenant(Tenant, key: APIKeyRecord)
    case courier(Courier)
}

extension AppRequestContext {
    /// The tenant whose API key authenticated this request (401 otherwise), if the key has
    /// `scope` (403 otherwise). Every tenant handler names the scope it needs here, first.
    func requireTenant(_ scope: APIScope) throws -> (tenant: Tenant, keyPrefix: String) {
        guard case .tenant(let tenant, let key) = identity else { throw DoorstepError.unauthenticated }
        guard key.scopes.contains(scope) else { throw DoorstepError.forbidden(needs: scope) }
        return (tenant, key.prefix)
    }

    /// The courier whose session authenticated this request; 401 otherwise.
    func requireCourier() throws -> Courier {
        guard case .courier(let courier) = identity else { throw DoorstepError.unauthenticated }
        return courier
    }
}

/// `Authorization: Bearer <token>` → the caller the token names. A missing, unknown or other
/// kind of token leaves the request anonymous; the handler's `requireTenant`/`requireCourier`
/// then answers 401.
struct BearerAuthenticator: AuthenticatorMiddleware {
    typealias Context = AppRequestContext
    let identify: @Sendable (String) async throws -> Caller

    func authenticate(request: Request, context: Context) async throws -> Caller? {
        guard let token = request.bearerToken else { return nil }
        do {
            return try await identify(token)
        } catch DoorstepError.unauthenticated {
            return nil
        }
    }

    /// A tenant by one of its API keys; the key's first characters name it in the audit trail.
    static func tenants(_ accounts: AccountService) -> Self {
        Self { token in
            let found = try await accounts.tenant(apiKey: token)
            return .tenant(found.tenant, key: found.key)
        }
    }

    /// A courier by an open session.
    static func couriers(_ accounts: AccountService) -> Self {
        Self { token in .courier(try await accounts.courier(sessionToken: token)) }
    }
}

extension Request {
    /// The token of an `Authorization: Bearer <token>` header. The scheme is matched without regard
    /// to case (RFC 9110 §11.1), which hummingbird-auth's `headers.bearer` does not do.
    var bearerToken: String? {
        guard let value = headers[.authorization] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }
}
