import DoorstepCore
import DoorstepServices
import Foundation
import Hummingbird

/// The case desk's API: customers' problem reports (and the reuse cases Doorstep opens), with
/// their evidence, who works each one, their notes, and their resolution.
struct CaseController {
    let authenticator: TenantAuthenticator
    let evidence: EvidenceService
    let desk: CaseDesk
    let links: CustomerLinks

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.add(middleware: authenticator)
        group.get("", use: list)
        group.get(":id", use: show)
        group.post(":id/resolve", use: resolve)
        group.post(":id/assign", use: assign)
        group.post(":id/notes", use: addNote)
    }

    /// Newest first; `?status=all` for closed ones too; `?assignee=` an operator's id, `me` (the
    /// signed-in operator) or `none`.
    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.requireTenant(.read)
        let query = request.uri.queryParameters
        let assignee: CaseAssignee = switch query["assignee"].map(String.init) {
        case nil: .anyone
        case "none": .nobody
        case "me":
            if caller.actor == .staff { .someone(operatorID: caller.actorID) } else {
                throw DoorstepError.invalidInput(field: "assignee", reason: "`me` is for an operator's session; an API key names the operator's id")
            }
        case let id?: .someone(operatorID: id)
        }
        let reports = try await desk.cases(of: caller.tenant, openOnly: query["status"] != "all", assignee: assignee)
        let names = try await desk.names(tenantID: caller.tenant.id)
        return try JSONResponse.make(["items": reports.map { ProblemResource($0, names: names) }])
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant(.read).tenant
        let file = try await evidence.caseFile(id: context.parameters.get("id") ?? "", tenant: tenant)
        let names = try await desk.names(tenantID: tenant.id)
        return try JSONResponse.make(CaseResource(
            problem: ProblemResource(file.report, names: names), delivery: DeliveryResource(file.delivery, photo: nil, links: links, for: context),
            photo: file.photo.map(PhotoResource.init),
            photoURL: file.photo.map { "/api/v1/deliveries/\(file.delivery.id)/photo" + ($0.slot > 1 ? "?slot=\($0.slot)" : "") },
            proofs: file.proofs.map(ProofResource.init), reuse: file.reuse.map(ReuseResource.init), receipt: file.receipt,
            notes: try await desk.notes(caseID: file.report.id, tenant: tenant).map { CaseNoteResource($0, names: names) }))
    }

    @Sendable func resolve(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant(.deliveries).tenant
        let body = try await request.decodeJSON(as: ResolveRequest.self, context: context)
        let report = try await evidence.resolve(caseID: context.parameters.get("id") ?? "", resolution: body.resolution, tenant: tenant)
        return try JSONResponse.make(ProblemResource(report, names: try await desk.names(tenantID: tenant.id)))
    }

    /// `{"operator_id": "…"}` gives the case to that operator; `null` to nobody.
    @Sendable func assign(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireTenant(.deliveries).tenant
        let body = try await request.decodeJSON(as: AssignRequest.self, context: context, limit: 4096)
        let report = try await desk.assign(caseID: context.parameters.get("id") ?? "", to: body.operatorID, tenant: tenant)
        context.activity.detail = body.operatorID ?? "none"
        return try JSONResponse.make(ProblemResource(report, names: try await desk.names(tenantID: tenant.id)))
    }

    @Sendable func addNote(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.requireTenant(.deliveries)
        let body = try await request.decodeJSON(as: NoteRequest.self, context: context, limit: 64 * 1024)
        let note = try await desk.addNote(
            caseID: context.parameters.get("id") ?? "", text: body.text, by: caller.actor, authorID: caller.actorID, tenant: caller.tenant)
        return try JSONResponse.make(CaseNoteResource(note, names: try await desk.names(tenantID: caller.tenant.id)), status: .created)
    }
}

struct AssignRequest: Decodable {
    /// Present and null means "nobody"; absent is a mistake, not a quiet unassignment.
    var operatorID: String?

    enum CodingKeys: String, CodingKey { case operatorID = "operator_id" }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard container.contains(.operatorID) else { throw DoorstepError.invalidInput(field: "operator_id", reason: "is required (null for nobody)") }
        operatorID = try container.decodeNil(forKey: .operatorID) ? nil : container.decode(String.self, forKey: .operatorID)
    }
}

struct NoteRequest: Decodable {
    var text: String
}

struct CaseNoteResource: Encodable {
    var id: String
    var author: ActivityPageResource.Actor
    var text: String
    var createdAt: Date

    init(_ note: CaseNote, names: ActorNames) {
        id = note.id
        author = .init(kind: note.author.rawValue, id: note.authorID, name: names.name(of: note.author, id: note.authorID))
        text = note.text
        createdAt = note.createdAt
    }

    enum CodingKeys: String, CodingKey { case id, author, text, createdAt = "created_at" }
}
