import DoorstepCore
import DoorstepServices
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import DoorstepServer

/// The case desk worked by a team: a case is given to an operator (or to nobody), lists show
/// mine and nobody's, staff and keys write notes the customer never sees, every change is in the
/// activity log, and the notes go when the customer's data is erased.
@Suite struct CaseDeskTests {
    @Test func aTeamTakesCasesWritesNotesAndTheNotesGoWithTheCustomersData() async throws {
        try await TestApp.run { app in
            let support = try await app.operatorSignIn(.support).session()
            let colleague = try await app.operatorSignIn(.admin).session()
            let stranger = try await app.operatorSignIn(.admin, tenant: try await app.services.accounts.createTenant(name: "Other").tenant).session()
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                let staff = TestApp.consoleHeaders(support)
                func call(_ method: HTTPRequest.Method, _ path: String, _ body: String? = nil, as headers: HTTPFields? = nil) async throws -> TestResponse {
                    try await client.execute(uri: path, method: method, headers: headers ?? staff, body: body.map { ByteBuffer(string: $0) })
                }
                let query = app.customerPath(delivery).split(separator: "?")[1]
                _ = try await client.execute(
                    uri: "/d/\(delivery.id)/problem?\(query)", method: .post, headers: .form, body: ByteBuffer(string: "kind=not_there&details=Not+here"))
                let caseID = try #require(try await app.services.store.problemReports(deliveryID: delivery.id).first?.id)
                func ids(_ filter: String, as headers: HTTPFields? = nil) async throws -> [String] {
                    try #require(try await call(.get, "/api/v1/cases\(filter)", as: headers).json()["items"] as? [[String: Any]]).compactMap { $0["id"] as? String }
                }
                #expect(try await ids("?assignee=none") == [caseID])
                #expect(try await ids("?assignee=me").isEmpty)

                // Whom a case can be given to: the tenant's own operators, not another tenant's.
                let team = try #require(try await call(.get, "/api/v1/operators").json()["items"] as? [[String: Any]])
                #expect(Set(team.compactMap { $0["id"] as? String }) == [support.account.id, colleague.account.id])
                #expect(team.allSatisfy { $0["password_hash"] == nil && $0["username"] == nil && $0["display_name"] as? String == "Olga" })

                // Support staff take a case themselves.
                let taken = try await call(.post, "/api/v1/cases/\(caseID)/assign", #"{"operator_id": "\#(support.account.id)"}"#)
                #expect(taken.status == .ok)
                let assignee = try #require(try taken.json()["assignee"] as? [String: Any])
                #expect(assignee["id"] as? String == support.account.id && assignee["display_name"] as? String == "Olga")
                #expect(try await ids("?assignee=me") == [caseID])
                #expect(try await ids("?assignee=none").isEmpty)
                #expect(try await ids("?assignee=\(support.account.id)", as: app.apiHeaders) == [caseID])
                #expect(try await call(.get, "/api/v1/cases?assignee=me", as: app.apiHeaders).status.code == 422)

                // Not to another tenant's operator, a disabled one, an id that is no one's, or by leaving the field out.
                for body in [#"{"operator_id": "\#(stranger.account.id)"}"#, #"{"operator_id": "nobody-at-all"}"#, "{}", #"{"operator_id": 7}"#] {
                    let refused = try await call(.post, "/api/v1/cases/\(caseID)/assign", body)
                    #expect(refused.status.code == 422, "\(body)")
                }
                try await app.services.operators.setDisabled(true, username: colleague.account.username, tenantID: app.tenant.id, by: .operatorCLI, actorID: nil)
                #expect(try await call(.post, "/api/v1/cases/\(caseID)/assign", #"{"operator_id": "\#(colleague.account.id)"}"#).status.code == 422)
                // Another tenant's staff do not find the case at all.
                #expect(try await call(.post, "/api/v1/cases/\(caseID)/assign", #"{"operator_id": null}"#, as: TestApp.consoleHeaders(stranger)).status == .notFound)
                #expect(try await call(.post, "/api/v1/cases/\(caseID)/notes", #"{"text": "hi"}"#, as: TestApp.consoleHeaders(stranger)).status == .notFound)

                // Notes, by an operator and by a key, oldest first, with who wrote them.
                let first = try await call(.post, "/api/v1/cases/\(caseID)/notes", #"{"text": "Called Ann: the parcel is with the neighbour at 12.\nWill check tomorrow."}"#)
                #expect(first.status == .created)
                #expect((try first.json()["author"] as? [String: Any])?["name"] as? String == "Olga")
                app.clock.advance(by: 60)  // the test's clock stands still otherwise: the next note is a minute later
                #expect(try await call(.post, "/api/v1/cases/\(caseID)/notes", #"{"text": "Refund approved"}"#, as: app.apiHeaders).status == .created)
                for bad in ["   ", String(repeating: "x", count: 2001), "bell\u{7}"] {
                    let refused = try await call(.post, "/api/v1/cases/\(caseID)/notes", String(data: try JSONSerialization.data(withJSONObject: ["text": bad]), encoding: .utf8))
                    let field = try refused.json()["field"] as? String
                    #expect(refused.status.code == 422 && field == "text", "\(bad.prefix(10))")
                }
                let file = try await call(.get, "/api/v1/cases/\(caseID)").json()
                let notes = try #require(file["notes"] as? [[String: Any]])
                #expect(notes.compactMap { $0["text"] as? String } == ["Called Ann: the parcel is with the neighbour at 12.\nWill check tomorrow.", "Refund approved"])
                #expect(notes.compactMap { ($0["author"] as? [String: Any])?["kind"] as? String } == ["staff", "api_key"])
                #expect((file["problem"] as? [String: Any])?["assignee"] != nil)

                // A resolved case keeps its notes and takes more, but is no longer given to anyone.
                #expect(try await call(.post, "/api/v1/cases/\(caseID)/resolve", #"{"resolution": "Refunded"}"#).status == .ok)
                #expect(try await call(.post, "/api/v1/cases/\(caseID)/assign", #"{"operator_id": null}"#).status == .conflict)
                #expect(try await call(.post, "/api/v1/cases/\(caseID)/notes", #"{"text": "Customer thanked us"}"#).status == .created)

                // Who did what is in the activity log; what the notes say is not.
                let log = try await app.services.store.activity(tenantID: app.tenant.id, before: nil, limit: 50).entries
                #expect(log.filter { $0.action == .caseAssigned }.map(\.detail) == [support.account.id])
                #expect(log.filter { $0.action == .caseNoted }.count == 3)
                #expect(log.allSatisfy { ($0.detail ?? "").contains("neighbour") == false })

                // The customer's data export includes what staff noted on their case.
                let export = try await call(.get, "/api/v1/recipients/export?email=ann%40example.com", as: app.apiHeaders).json()
                let exported = try #require((export["deliveries"] as? [[String: Any]])?.first { ($0["delivery"] as? [String: Any])?["id"] as? String == delivery.id })
                let exportedNotes = (exported["caseNotes"] as? [[String: Any]])?.compactMap { $0["text"] as? String } ?? []
                #expect(exportedNotes.count == 3 && exportedNotes.contains("Customer thanked us"))

                // Erasing the customer's data takes the notes with it (they may name the customer),
                // and none is written after.
                #expect(try await call(.post, "/api/v1/recipients/erase", #"{"email": "ann@example.com"}"#, as: app.apiHeaders).status == .ok)
                #expect(try await app.services.store.caseNotes(caseID: caseID, tenantID: app.tenant.id).isEmpty)
                #expect(try await call(.post, "/api/v1/cases/\(caseID)/notes", #"{"text": "After the erasure"}"#).status == .conflict)
                #expect(try await app.services.store.caseNotes(caseID: caseID, tenantID: app.tenant.id).isEmpty)
            }
        }
    }
}
