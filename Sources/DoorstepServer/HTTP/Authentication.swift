import DoorstepCore
import Foundation
import DoorstepServices
import DoorstepStorage
import Hummingbird
import HummingbirdAuth

/// Who is calling, established once per request by the authenticator of the route group
/// (hummingbird-auth): a tenant by one of its API keys, one of its operators by a console session
/// cookie, or a courier by a session token.
public enum Caller: Sendable {
    case tenant(Tenant, key: APIKeyRecord)
    /// `endsIn`: seconds until the session ends unless used again (its idle time, or its expiry).
    case staff(Tenant, OperatorAccount, endsIn: TimeInterval)
    case courier(Courier)
}

/// The tenant side of a request: whose data, and who acted, as the audit trail names them.
struct TenantCaller {
    let tenant: Tenant
    let actor: AccessEvent.Actor
    /// The API key's shown prefix, or the operator account's id.
    let actorID: String
}

extension AppRequestContext {
    /// The tenant whose API key authenticated this request (401 otherwise), if the key has
    /// `scope` (403 otherwise). Every tenant handler names the scope it needs here, first.
    /// An operator acts with their role's scopes (`OperatorRole.scopes`); `adminOnlyForOperators`
    /// keeps a read (settings, webhooks, keys) from support staff that a `read` key may make.
    func requireTenant(_ scope: APIScope, adminOnlyForOperators: Bool = false) throws -> TenantCaller {
        switch identity {
        case .tenant(let tenant, let key):
            guard key.scopes.contains(scope) else { throw DoorstepError.forbidden(needs: scope) }
            return TenantCaller(tenant: tenant, actor: .apiKey, actorID: key.prefix)
        case .staff(let tenant, let account, _):
            let needed: APIScope = adminOnlyForOperators ? .admin : scope
            guard account.role.scopes.contains(needed) else { throw DoorstepError.forbidden(needs: needed) }
            return TenantCaller(tenant: tenant, actor: .staff, actorID: account.id)
        case .courier, nil:
            throw DoorstepError.unauthenticated
        }
    }

    /// The operator whose console session made this request, for what concerns their own account
    /// (two-step sign-in). An API key is no person and has no such account: 404; no session: 401.
    func requireOperator() throws -> (tenant: Tenant, account: OperatorAccount) {
        switch identity {
        case .staff(let tenant, let account, _): return (tenant, account)
        case .tenant: throw DoorstepError.notFound
        case .courier, nil: throw DoorstepError.unauthenticated
        }
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
