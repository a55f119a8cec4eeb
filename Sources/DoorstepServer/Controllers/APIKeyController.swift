import DoorstepCore
import DoorstepServices
import DoorstepStorage
import Foundation
import Hummingbird

/// A tenant's API keys, managed through the API by a key with the admin scope: one per system or
/// person, each named, with only the scopes it needs, its last use shown, revoked at once.
/// The secret is in the creation answer only; the server keeps its digest.
struct APIKeyController {
    let accounts: AccountService
    let authenticator: TenantAuthenticator

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.add(middleware: authenticator)
        group.get("", use: list)
        group.post("", use: create)
        group.delete(":id", use: revoke)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant(.read, adminOnlyForOperators: true).tenant
        return try JSONResponse.make(["items": try await accounts.apiKeys(of: tenant).map { APIKeyResource($0) }])
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant(.admin).tenant
        let body = try await request.decodeJSON(as: CreateAPIKeyRequest.self, context: context, limit: 4096)
        let made = try await accounts.createAPIKey(tenantID: tenant.id, name: body.name, scopes: body.scopes)
        context.activity.target = made.key.id
        var resource = APIKeyResource(made.key)
        resource.key = made.secret
        return try JSONResponse.make(resource, status: .created)
    }

    @Sendable func revoke(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant(.admin).tenant
        guard try await accounts.revokeAPIKey(id: context.parameters.get("id") ?? "", of: tenant) else { throw DoorstepError.notFound }
        return Response(status: .noContent)
    }
}

struct CreateAPIKeyRequest: Decodable {
    var name: String
    var scopes: [APIScope]
}

struct APIKeyResource: Encodable {
    var id: String
    var name: String
    var scopes: [APIScope]
    /// The key's first characters, to recognise it by (the audit trail names keys by it too).
    var prefix: String
    var createdAt: Date
    var lastUsedAt: Date?
    /// The secret: in the answer that created it, never again.
    var key: String?

    enum CodingKeys: String, CodingKey {
        case id, name, scopes, prefix, createdAt = "created_at", lastUsedAt = "last_used_at", key
    }

    init(_ record: APIKeyRecord) {
        (id, name, scopes, prefix, createdAt, lastUsedAt) = (record.id, record.name, record.scopes, record.prefix, record.createdAt, record.lastUsedAt)
    }
}
