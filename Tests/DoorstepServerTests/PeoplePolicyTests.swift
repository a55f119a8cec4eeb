import DoorstepCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

/// A tenant's `people_policy` through the API: faces blurred by default and said so (upload answer,
/// proofs, customer page), refused under `retake`, stored as taken under `off` only with a reason.
@Suite struct PeoplePolicyTests {
    static func person() -> [UInt8] {
        let url = TestApp.repositoryRoot.appendingPathComponent("Tests/Fixtures/people/hopper_bridge_100px_dusk.jpg")
        return Array(FileManager.default.contents(atPath: url.path) ?? Data())
    }

    /// The photo's (or proof's) `redaction` member as (searched, faces).
    func redaction(_ object: [String: Any]?) -> (searched: Bool?, faces: Int?) {
        let member = object?["redaction"] as? [String: Any]
        return (member?["searched"] as? Bool, member?["faces"] as? Int)
    }

    func patch(_ members: [String: Any], app: TestApp, client: some TestClientProtocol) async throws -> TestResponse {
        try await client.execute(uri: "/api/v1/settings", method: .patch, headers: app.apiHeaders, body: try JSONSerialization.body(members))
    }

    @Test func byDefaultAFaceIsBlurredAndEveryoneIsTold() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                let upload = try await client.execute(
                    uri: app.uploadPath(delivery), method: .post, headers: app.courierHeaders(), body: ByteBuffer(bytes: Self.person()))
                #expect(upload.status == .created)
                let photo = try #require(try upload.json()["photo"] as? [String: Any])
                #expect(redaction(photo) == (true, 1))

                let details = try await client.execute(uri: "/api/v1/deliveries/\(delivery.id)", method: .get, headers: app.apiHeaders).json()
                let proofs = try #require(details["proofs"] as? [[String: Any]])
                #expect(redaction(proofs.first) == (true, 1))

                let page = try await client.execute(uri: app.customerPath(delivery), method: .get).text
                #expect(page.contains("One face was blurred."))
                #expect(page.contains("Faces and people are blurred automatically"))
            }
        }
    }

    @Test func retakeRefusesAPhotoWithAFaceAndStoresNothing() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                #expect(try await patch(["people_policy": "retake"], app: app, client: client).status == .ok)
                let refused = try await client.execute(
                    uri: app.uploadPath(delivery), method: .post, headers: app.courierHeaders(key: "person"), body: ByteBuffer(bytes: Self.person()))
                #expect(refused.status == .unprocessableContent)
                let problem = try refused.json()
                #expect(problem["type"] as? String == "/problems/people-in-frame")
                #expect(problem["reason"] as? String == "people_in_frame")
                #expect(try await app.blobFiles().isEmpty)
                #expect(try await app.services.store.delivery(id: delivery.id)?.state != .delivered)

                // The retake without anyone in it goes through.
                let retake = try await client.execute(
                    uri: app.uploadPath(delivery), method: .post, headers: app.courierHeaders(key: "door"),
                    body: ByteBuffer(bytes: Photos.quality("r09_aitzgorri.original")))
                #expect(retake.status == .created)
                let photo = try #require(try retake.json()["photo"] as? [String: Any])
                #expect(redaction(photo) == (true, 0))
            }
        }
    }

    /// People whose faces cannot be seen (Tests/Fixtures/bodies) are people all the same: blurred
    /// and counted by default, the reason for a retake under `retake`.
    @Test func aPersonWithoutAVisibleFaceIsBlurredOrRefusedToo() async throws {
        let bodies = Array(FileManager.default.contents(
            atPath: TestApp.repositoryRoot.appendingPathComponent("Tests/Fixtures/bodies/basketball_faces_hidden.jpg").path) ?? Data())
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                let blurred = try await app.delivery()
                let upload = try await client.execute(
                    uri: app.uploadPath(blurred), method: .post, headers: app.courierHeaders(key: "bodies"), body: ByteBuffer(bytes: bodies))
                #expect(upload.status == .created)
                let photo = try #require(try upload.json()["photo"] as? [String: Any])
                let people = (photo["redaction"] as? [String: Any])?["people"] as? Int ?? 0
                #expect(people >= 1)
                let page = try await client.execute(uri: app.customerPath(blurred), method: .get).text
                #expect(page.contains(people == 1 ? "One person was blurred." : "\(people) people were blurred."))
                let proofs = try #require(try await client.execute(uri: "/api/v1/deliveries/\(blurred.id)", method: .get, headers: app.apiHeaders)
                    .json()["proofs"] as? [[String: Any]])
                #expect((proofs.first?["redaction"] as? [String: Any])?["people"] as? Int == people)

                #expect(try await patch(["people_policy": "retake"], app: app, client: client).status == .ok)
                let refused = try await app.delivery()
                let again = try await client.execute(
                    uri: app.uploadPath(refused), method: .post, headers: app.courierHeaders(key: "bodies-again"), body: ByteBuffer(bytes: bodies))
                #expect(again.status == .unprocessableContent)
                let problem = try again.json()
                #expect(problem["type"] as? String == "/problems/people-in-frame")
                #expect((problem["detail"] as? String)?.contains(people == 1 ? "a person" : "\(people) people") == true)
            }
        }
    }

    @Test func offNeedsALawfulReasonAndThenStoresThePixelsAsTaken() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                let bare = try await patch(["people_policy": "off"], app: app, client: client)
                #expect(bare.status == .unprocessableContent)
                #expect(try bare.json()["field"] as? String == "people_policy_reason")
                for reason in ["", " ", String(repeating: "x", count: 501), "reason\u{0}"] {
                    let bad = try await patch(["people_policy": "off", "people_policy_reason": reason], app: app, client: client)
                    #expect(bad.status == .unprocessableContent, "\(reason.count)")
                }
                #expect(try await app.services.store.tenant(id: app.tenant.id)?.settings.peoplePolicy == .blur)
                // Text as people write it: a form's CRLF, emoji joined by ZWJ, Persian with ZWNJ.
                for reason in ["line one\r\nline two", "Family photo 👨\u{200D}👩\u{200D}👧", "می\u{200C}دهم"] {
                    let fine = try await patch(["people_policy": "off", "people_policy_reason": reason], app: app, client: client)
                    #expect(fine.status == .ok, "\(reason)")
                }

                let reason = "Attended deliveries: the recipient signs and agrees to be photographed."
                let off = try await patch(["people_policy": "off", "people_policy_reason": reason], app: app, client: client)
                #expect(off.status == .ok)
                #expect(try off.json()["people_policy_reason"] as? String == reason)

                let upload = try await client.execute(
                    uri: app.uploadPath(delivery), method: .post, headers: app.courierHeaders(), body: ByteBuffer(bytes: Self.person()))
                #expect(upload.status == .created)
                let photo = try #require(try upload.json()["photo"] as? [String: Any])
                #expect(redaction(photo) == (false, 0))
                let page = try await client.execute(uri: app.customerPath(delivery), method: .get).text
                #expect(!page.contains("Faces and people are blurred automatically"))

                // Turning redaction back on drops the reason.
                let back = try await patch(["people_policy": "blur"], app: app, client: client)
                #expect(back.status == .ok)
                #expect(try back.json()["people_policy_reason"] == nil)
                #expect(try await app.services.store.tenant(id: app.tenant.id)?.settings.peoplePolicyReason == nil)
            }
        }
    }
}
