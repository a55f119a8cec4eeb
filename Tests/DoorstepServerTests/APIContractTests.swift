import DoorstepCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

/// The API document against the router, and what integrators rely on beyond single calls:
/// validators (ETag), merge patches, list filters, and a Location that leads somewhere.
@Suite struct APIContractTests {
    /// Every route the router serves is in `openapi.json` and every operation there is served.
    /// Only the web apps' static files are left out: they are assets, not API.
    @Test func theDocumentAndTheRouterNameTheSameOperations() async throws {
        try await TestApp.run { app in
            let served = Set(try buildRouter(app.services).routes.map { "\($0.method) \($0.path)" }.filter { route in
                let last = route.split(separator: "/").last ?? ""
                return !["js", "css", "svg", "webmanifest"].contains(where: { last.hasSuffix(".\($0)") })
            })
            let document = try #require(try JSONSerialization.jsonObject(with: Data(Assets.openAPI.utf8)) as? [String: Any])
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            let methods = ["get", "put", "post", "delete", "patch", "head", "options"]
            let documented = Set(paths.flatMap { path, item in
                item.keys.filter(methods.contains).map { "\($0.uppercased()) \(path)" }
            })
            #expect(served.subtracting(documented).isEmpty, "served but not documented: \(served.subtracting(documented).sorted())")
            #expect(documented.subtracting(served).isEmpty, "documented but not served: \(documented.subtracting(served).sorted())")
        }
    }

    @Test func theDocumentIsServedWithAValidator() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                let first = try await client.execute(uri: "/api/v1/openapi.json", method: .get)
                #expect(first.status == .ok)
                #expect(first.text == Assets.openAPI)
                let tag = try #require(first.headers[.eTag])
                let again = try await client.execute(uri: "/api/v1/openapi.json", method: .get, headers: [.ifNoneMatch: "W/\(tag)"])
                #expect(again.status == .notModified)
                #expect(again.body.readableBytes == 0)
                let docs = try await client.execute(uri: "/docs", method: .get)
                #expect(docs.status == .ok)
                #expect(docs.headers[.contentType] == "text/html; charset=utf-8")
            }
        }
    }

    /// A delivery's ETag holds while it is unchanged and moves when it changes.
    @Test func aDeliveryReadIsRevalidatedByItsETag() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                let path = "/api/v1/deliveries/\(delivery.id)"
                let first = try await client.execute(uri: path, method: .get, headers: app.apiHeaders)
                let tag = try #require(first.headers[.eTag])
                #expect(tag.hasPrefix("W/"), "the links in it are signed afresh: a weak validator")
                // Later: the links are signed with another expiry, the delivery is the same.
                app.clock.advance(by: 90)
                var conditional = app.apiHeaders
                conditional[.ifNoneMatch] = "\"other\", \(tag)"
                let unchanged = try await client.execute(uri: path, method: .get, headers: conditional)
                #expect(unchanged.status == .notModified)
                #expect(unchanged.headers[.eTag] == tag)
                _ = try await client.execute(uri: path + "/out-for-delivery", method: .post, headers: app.apiHeaders)
                let changed = try await client.execute(uri: path, method: .get, headers: conditional)
                #expect(changed.status == .ok)
                #expect(changed.headers[.eTag] != tag)
                #expect(try changed.json()["state"] as? String == "out_for_delivery")
            }
        }
    }

    /// RFC 7396: members sent change, `null` restores a default or removes a map entry, the rest stays.
    @Test func settingsTakeAJSONMergePatch() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                var headers = app.apiHeaders
                let full = try JSONSerialization.body([
                    "retention_seconds": 7200, "consent_modes": ["DE": "opt_in", "FR": "off"], "email_includes_photo": true,
                ])
                #expect(try await client.execute(uri: "/api/v1/settings", method: .put, headers: headers, body: full).status == .ok)
                headers[.contentType] = "application/merge-patch+json"
                let patch = ByteBuffer(string: #"{"retention_seconds": 3600, "consent_modes": {"FR": null, "IT": "opt_in"}, "email_includes_photo": null}"#)
                let patched = try await client.execute(uri: "/api/v1/settings", method: .patch, headers: headers, body: patch)
                #expect(patched.status == .ok, "\(patched.text)")
                let json = try patched.json()
                #expect(json["retention_seconds"] as? Int == 3600)
                #expect(json["consent_modes"] as? [String: String] == ["DE": "opt_in", "IT": "opt_in"])
                #expect(json["email_includes_photo"] as? Bool == false)
                let read = try await client.execute(uri: "/api/v1/settings", method: .get, headers: app.apiHeaders)
                #expect(try read.json()["consent_modes"] as? [String: String] == ["DE": "opt_in", "IT": "opt_in"])
                // What the full replacement would refuse, the patch refuses too, and changes nothing.
                let bad = try await client.execute(
                    uri: "/api/v1/settings", method: .patch, headers: headers, body: ByteBuffer(string: #"{"retention_seconds": -1}"#))
                #expect(bad.status == .unprocessableContent)
                let notObject = try await client.execute(uri: "/api/v1/settings", method: .patch, headers: headers, body: ByteBuffer(string: "[1]"))
                #expect(notObject.status == .unprocessableContent)
                let misspelt = try await client.execute(
                    uri: "/api/v1/settings", method: .patch, headers: headers, body: ByteBuffer(string: #"{"retention_secnds": 7200}"#))
                #expect(try misspelt.json()["field"] as? String == "retention_secnds")
                #expect(try await client.execute(uri: "/api/v1/settings", method: .get, headers: app.apiHeaders).json()["retention_seconds"] as? Int == 3600)
            }
        }
    }

    @Test func theDeliveryListFiltersAndPagesTogether() async throws {
        try await TestApp.run { app in
            var deliveries: [Delivery] = []
            app.clock.advanceToWholeSecond()
            for index in 0..<5 {
                deliveries.append(try await app.delivery(courierID: index < 3 ? .some(app.courier.id) : .some(nil)))
                app.clock.advance(by: 60)
            }
            let made = deliveries
            let bea = try await app.services.deliveries.create(
                NewDelivery(orderReference: "ORD-BEA", recipient: Recipient(name: "Bea", email: "Bea@Example.com", language: .en),
                            address: "2 Main St", latitude: 48.8566, longitude: 2.3522, instructions: "", courierID: nil),
                for: app.tenant)
            try await app.application.test(.router) { client in
                _ = try await client.execute(uri: "/api/v1/deliveries/\(made[1].id)/out-for-delivery", method: .post, headers: app.apiHeaders)
                func ids(_ query: String) async throws -> [String] {
                    let response = try await client.execute(uri: "/api/v1/deliveries?\(query)", method: .get, headers: app.apiHeaders)
                    #expect(response.status == .ok, "\(query): \(response.text)")
                    return (try response.json()["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                }
                #expect(try await ids("state=out_for_delivery") == [made[1].id])
                // The recipient's email, whatever its capitalisation (stored lower-cased).
                #expect(try await ids("recipient_email=BEA%40example.com") == [bea.id])
                #expect(try await ids("recipient_email=ann%40example.com&limit=10").count == 5)
                #expect(try await ids("courier_id=\(app.courier.id)") == [made[2].id, made[1].id, made[0].id])
                #expect(try await ids("order_reference=\(made[3].orderReference)") == [made[3].id])
                // Both bounds are exclusive (the times are whole seconds here, so they print exactly).
                let first = made[1].createdAt.formatted(.iso8601), last = made[4].createdAt.formatted(.iso8601)
                #expect(try await ids("created_after=\(first)&created_before=\(last)") == [made[3].id, made[2].id])
                let justBefore = made[1].createdAt.addingTimeInterval(-0.5).formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
                #expect(try await ids("created_after=\(justBefore)&created_before=\(last)") == [made[3].id, made[2].id, made[1].id])
                // The cursor keeps its place under the same filter.
                let page = try await client.execute(uri: "/api/v1/deliveries?courier_id=\(app.courier.id)&limit=2", method: .get, headers: app.apiHeaders)
                let cursor = try #require(try page.json()["next_cursor"] as? String)
                #expect(try await ids("courier_id=\(app.courier.id)&limit=2&cursor=\(cursor)") == [made[0].id])
                for bad in ["state=lost", "created_after=yesterday", "courier_id=%27%20OR%201=1", "order_reference=", "recipient_email=nobody"] {
                    let response = try await client.execute(uri: "/api/v1/deliveries?\(bad)", method: .get, headers: app.apiHeaders)
                    #expect(response.status == .unprocessableContent, "\(bad)")
                }
            }
        }
    }

    /// The upload's 201 names a route the courier can read, which answers what the upload did.
    @Test func anUploadsLocationLeadsToItsPhoto() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                let upload = try await client.execute(
                    uri: app.uploadPath(delivery), method: .post, headers: app.courierHeaders(key: "loc-1"), body: ByteBuffer(bytes: Photos.jpeg))
                #expect(upload.status == .created)
                let location = try #require(upload.headers[.location])
                var headers = app.courierHeaders(key: "unused")
                headers[.idempotencyKey] = nil
                let read = try await client.execute(uri: location, method: .get, headers: headers)
                #expect(read.status == .ok, "\(read.text)")
                let photo = try #require(try read.json()["photo"] as? [String: Any])
                #expect(photo["id"] as? String == (try upload.json()["photo"] as? [String: Any])?["id"] as? String)
                // Another stop's photo, or none yet: nothing to see.
                let other = try await app.delivery()
                let none = try await client.execute(uri: "/api/v1/courier/deliveries/\(other.id)/photo", method: .get, headers: headers)
                #expect(none.status == .notFound)
            }
        }
    }
}
