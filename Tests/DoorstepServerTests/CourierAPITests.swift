import DoorstepCore
import DoorstepStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

@Suite struct CourierAPITests {
    @Test func passwordGuessingIsStoppedWith429AndRetryAfter() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                func login(_ password: String) async throws -> TestResponse {
                    try await client.execute(
                        uri: "/api/v1/courier/login", method: .post, headers: [.contentType: "application/json"],
                        body: try JSONSerialization.body(["username": app.courier.username, "password": password]))
                }
                for _ in 0..<5 { #expect(try await login("wrong password!").status == .unauthorized) }
                let locked = try await login("correct horse battery")
                #expect(locked.status == .tooManyRequests)
                #expect(locked.headers[.retryAfter] == "900")
                #expect(try locked.json()["type"] as? String == "/problems/too-many-attempts")
                app.clock.advance(by: 901)
                #expect(try await login("correct horse battery").status == .ok)
            }
        }
    }

    /// A courier needs the address at the door, never the recipient's email: not in the stop
    /// list, not in the upload's answer, not in "delivered without a photo".
    @Test func noCourierResponseCarriesTheRecipientsEmail() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                let first = try await app.delivery(), second = try await app.delivery()
                let stops = try await client.execute(uri: "/api/v1/courier/deliveries", method: .get, headers: app.courierHeaders())
                let uploaded = try await client.execute(
                    uri: app.uploadPath(first), method: .post, headers: app.courierHeaders(key: UUID().uuidString), body: ByteBuffer(bytes: Photos.jpeg))
                let without = try await client.execute(
                    uri: "/api/v1/courier/deliveries/\(second.id)/delivered", method: .post, headers: app.courierHeaders(contentType: "application/json"),
                    body: try JSONSerialization.body(["placement": "porch"]))
                for response in [stops, uploaded, without] {
                    #expect((200..<300).contains(response.status.code), "\(response.status) \(response.text)")
                    #expect(response.text.contains(first.address) || response.text.contains("\"id\""))
                    #expect(!response.text.contains("ann@example.com"), "\(response.text)")
                }
            }
        }
    }

    @Test func aCourierLogsInWithPasswordAndNotWithoutIt() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                let good = try await client.execute(
                    uri: "/api/v1/courier/login", method: .post, headers: [.contentType: "application/json"],
                    body: try JSONSerialization.body(["username": app.courier.username.uppercased(), "password": "correct horse battery"]))
                #expect(good.status == .ok)
                let token = try #require(try good.json()["token"] as? String)
                let stops = try await client.execute(uri: "/api/v1/courier/deliveries", method: .get, headers: [.authorization: "Bearer \(token)"])
                #expect(stops.status == .ok)

                for (username, password) in [(app.courier.username, "wrong password!"), ("nobody", "correct horse battery")] {
                    let bad = try await client.execute(
                        uri: "/api/v1/courier/login", method: .post, headers: [.contentType: "application/json"],
                        body: try JSONSerialization.body(["username": username, "password": password]))
                    #expect(bad.status == .unauthorized)
                    #expect(try bad.json()["type"] as? String == "/problems/unauthenticated")
                }
            }
        }
    }

    @Test func sessionsExpire() async throws {
        try await TestApp.run { app in
            app.clock.advance(by: app.services.configuration.courierSessionLifetime + 1)
            try await app.application.test(.router) { client in
                let stops = try await client.execute(uri: "/api/v1/courier/deliveries", method: .get, headers: app.courierHeaders())
                #expect(stops.status == .unauthorized)
            }
        }
    }

    @Test func aCourierSeesOnlyTheirOwnStopsWithoutRecipientEmails() async throws {
        try await TestApp.run { app in
            let mine = try await app.delivery()
            _ = try await app.delivery(courierID: .some(nil))
            try await app.application.test(.router) { client in
                let page = try await client.execute(uri: "/api/v1/courier/deliveries", method: .get, headers: app.courierHeaders()).json()
                let items = try #require(page["items"] as? [[String: Any]])
                #expect(items.map { $0["id"] as? String } == [mine.id])
                #expect(!String(describing: items).contains("ann@example.com"))
                #expect((items.first?["recipient"] as? [String: Any])?.keys.sorted() == ["language", "name"])
            }
        }
    }

    @Test func anUploadDeliversTheParcelAndARetryMakesNoSecondPhoto() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                let first = try await client.execute(
                    uri: app.uploadPath(delivery, query: "placement=behind_plant&lat=48.8567&lon=2.3522&note=Behind%20the%20blue%20pot"),
                    method: .post, headers: app.courierHeaders(key: "retry-1"), body: ByteBuffer(bytes: Photos.jpeg))
                #expect(first.status == .created)
                let json = try first.json()
                let photo = try #require(json["photo"] as? [String: Any])
                let photoID = try #require(photo["id"] as? String)
                #expect(photo["placement"] as? String == "behind_plant")
                #expect(photo["note"] as? String == "Behind the blue pot")
                #expect((photo["width"] as? Int, photo["height"] as? Int) == (500, 375))
                // 0.0001° north of the address: about 11 m.
                #expect(abs((photo["distance_to_address_m"] as? Double ?? 0) - 11.1) < 0.5)
                #expect((json["delivery"] as? [String: Any])?["state"] as? String == "delivered")

                let retry = try await client.execute(
                    uri: app.uploadPath(delivery, query: "placement=behind_plant&lat=48.8567&lon=2.3522&note=Behind%20the%20blue%20pot"),
                    method: .post, headers: app.courierHeaders(key: "retry-1"), body: ByteBuffer(bytes: Photos.jpeg))
                #expect(retry.status == .created)
                #expect(retry.headers[.idempotentReplayed] == "true")
                #expect((try retry.json()["photo"] as? [String: Any])?["id"] as? String == photoID)
                #expect((try await app.blobFiles()) == ["photos/\(photoID)/display.jpg", "photos/\(photoID)/thumbnail.jpg"])

                let misuse = try await client.execute(
                    uri: app.uploadPath(delivery, query: "placement=porch"), method: .post,
                    headers: app.courierHeaders(key: "retry-1"), body: ByteBuffer(bytes: Photos.jpeg))
                #expect(misuse.status == .unprocessableContent)
                #expect(try misuse.json()["type"] as? String == "/problems/idempotency-key-reused")
            }
        }
    }

    @Test func aRetakeReplacesThePhotoAndDeletesTheOldOne() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                let first = try await client.execute(uri: app.uploadPath(delivery), method: .post, headers: app.courierHeaders(key: "a"), body: ByteBuffer(bytes: Photos.jpeg))
                let retake = try await client.execute(
                    uri: app.uploadPath(delivery), method: .post, headers: app.courierHeaders(key: "b"),
                    body: ByteBuffer(bytes: Photos.bytes("r15_tower_512x512_oneplus_gps.jpg")))
                #expect(first.status == .created && retake.status == .created)
                let newID = try #require((try retake.json()["photo"] as? [String: Any])?["id"] as? String)
                #expect((try await app.blobFiles()) == ["photos/\(newID)/display.jpg", "photos/\(newID)/thumbnail.jpg"])
                #expect(try await app.services.store.currentPhoto(deliveryID: delivery.id)?.id == newID)
            }
        }
    }

    @Test func aDeliveryOfAnotherCourierOrTenantIsNotFoundAndItsBodyIsNotRead() async throws {
        try await TestApp.run { app in
            let unassigned = try await app.delivery(courierID: .some(nil))
            let rival = try await app.services.accounts.createTenant(name: "Rival")
            let theirs = try await app.services.deliveries.create(
                NewDelivery(orderReference: "R-1", recipient: Recipient(name: "B", email: "b@example.com", language: .en),
                            address: "x", latitude: 1, longitude: 1), for: rival.tenant)
            try await app.application.test(.router) { client in
                for id in [unassigned.id, theirs.id, UUID().uuidString.lowercased(), "1%20OR%201=1"] {
                    let response = try await client.execute(
                        uri: "/api/v1/courier/deliveries/\(id)/photo?placement=porch", method: .post,
                        headers: app.courierHeaders(), body: ByteBuffer(bytes: Photos.jpeg))
                    #expect(response.status == .notFound, "\(id)")
                }
                let anonymous = try await client.execute(
                    uri: app.uploadPath(unassigned), method: .post, headers: [.contentType: "image/jpeg"], body: ByteBuffer(bytes: Photos.jpeg))
                #expect(anonymous.status == .unauthorized)
            }
            #expect((try await app.blobFiles()).isEmpty)
        }
    }

    @Test func everyHostileFileGetsAClear4xxAndLeavesNoTrace() async throws {
        let rejected = Photos.rejected
        #expect(rejected.count >= 8)
        try await TestApp.run { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                for name in rejected {
                    let response = try await client.execute(
                        uri: app.uploadPath(delivery), method: .post, headers: app.courierHeaders(key: name),
                        body: ByteBuffer(bytes: Photos.bytes(name)))
                    #expect([413, 415, 422].contains(response.status.code), "\(name): \(response.status)")
                    #expect(response.headers[.contentType] == "application/problem+json", "\(name)")
                }
                // Still up, nothing stored, the delivery untouched, and the keys unused.
                #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            }
            #expect((try await app.blobFiles()).isEmpty)
            #expect(try await app.services.store.delivery(id: delivery.id)?.state == .created)
            #expect(try await app.services.store.idempotentUpload(courierID: app.courier.id, key: rejected[0]) == nil)
        }
    }

    /// A decoder that crashes on a file (here a stand-in helper that dies by SIGSEGV mid-job)
    /// costs that upload a 422; the server answers the next request, logs and counts the loss.
    @Test func aDecoderCrashCostsOneUploadA422AndNotTheServer() async throws {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("doorstep-crashing-helper-\(UUID().uuidString).sh")
        try Data("#!/bin/sh\nprintf 3HSD >&3\n/usr/bin/head -c 16 <&3 >/dev/null\nkill -SEGV $$\n".utf8).write(to: script)
        defer { try? FileManager.default.removeItem(at: script) }
        chmod(script.path, 0o755)
        try await TestApp.run(configure: { $0.decoderExecutable = script.path }) { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                let response = try await client.execute(
                    uri: app.uploadPath(delivery), method: .post, headers: app.courierHeaders(), body: ByteBuffer(bytes: Photos.jpeg))
                #expect(response.status == .unprocessableContent)
                #expect((try response.json()["type"] as? String)?.hasSuffix("/undecodable-image") == true)
                #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
                let metrics = try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(TestApp.metricsToken)"])
                #expect(String(buffer: metrics.body).contains(#"doorstep_decoder_helpers_lost_total{cause="crashed"} 1"#))
            }
            #expect((try await app.blobFiles()).isEmpty)
            #expect(try await app.services.store.delivery(id: delivery.id)?.state == .created)
        }
    }

    @Test func limitsAndParametersAreEnforcedBeforeProcessing() async throws {
        try await TestApp.run(configure: { $0.limits.maxBytes = 10_000 }) { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                let big = try await client.execute(uri: app.uploadPath(delivery), method: .post, headers: app.courierHeaders(), body: ByteBuffer(bytes: Photos.jpeg))
                #expect(big.status == .contentTooLarge)
                #expect(try big.json()["limit"] as? Int == 10_000)
                let gif = try await client.execute(uri: app.uploadPath(delivery), method: .post, headers: app.courierHeaders(contentType: "image/gif"), body: ByteBuffer(bytes: [1]))
                #expect(gif.status == .unsupportedMediaType)
                // A Content-Type of nothing but a semicolon is a bad type, not a crash.
                let semicolon = try await client.execute(
                    uri: app.uploadPath(delivery), method: .post, headers: app.courierHeaders(contentType: ";"), body: ByteBuffer(bytes: [1]))
                #expect(semicolon.status == .unsupportedMediaType)
                let noPlacement = try await client.execute(uri: app.uploadPath(delivery, query: ""), method: .post, headers: app.courierHeaders(), body: ByteBuffer(bytes: [1]))
                #expect(noPlacement.status == .unprocessableContent)
                #expect(try noPlacement.json()["field"] as? String == "placement")
                let empty = try await client.execute(uri: app.uploadPath(delivery), method: .post, headers: app.courierHeaders())
                #expect(empty.status == .unsupportedMediaType)
            }
        }
    }
}
