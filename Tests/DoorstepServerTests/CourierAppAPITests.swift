import DoorstepCore
import DoorstepSecurity
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

/// The API the courier web app stands on: the published upload key, sealed uploads, route order,
/// and delivering where no photo may be taken.
@Suite struct CourierAppAPITests {
    @Test func aSealedPhotoOpensOnlyForItsDelivery() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery()
            let other = try await app.delivery()
            try await app.application.test(.router) { client in
                let published = try await client.execute(uri: "/api/v1/courier/upload-key", method: .get).json()
                #expect(published["public_key"] as? String == Base64URL.encode(app.services.infrastructure.uploadKeys.current.publicKey))
                #expect(published["algorithm"] as? String == "ECDH-P256+HKDF-SHA256+A256GCM")

                let sealed = try SealedUpload.seal(Photos.quality("r01_sunset.original"), for: delivery.id, to: app.services.infrastructure.uploadKeys.current)
                // Replayed against another delivery, the seal does not open: nothing is stored.
                let misdirected = try await client.execute(
                    uri: app.uploadPath(other), method: .post, headers: app.courierHeaders(contentType: SealedUpload.mediaType),
                    body: ByteBuffer(bytes: sealed))
                #expect(misdirected.status == .badRequest)
                #expect(try misdirected.json()["type"] as? String == "/problems/sealed-upload-invalid")
                #expect(try await app.blobFiles().isEmpty)

                let accepted = try await client.execute(
                    uri: app.uploadPath(delivery), method: .post,
                    headers: app.courierHeaders(key: "sealed-1", contentType: SealedUpload.mediaType), body: ByteBuffer(bytes: sealed))
                #expect(accepted.status == .created)
                let photo = try #require(try accepted.json()["photo"] as? [String: Any])
                #expect((photo["width"] as? Int, photo["height"] as? Int) == (900, 600))
                // The same sealed bytes again with the same key: the same photo, not a second one.
                let retry = try await client.execute(
                    uri: app.uploadPath(delivery), method: .post,
                    headers: app.courierHeaders(key: "sealed-1", contentType: SealedUpload.mediaType), body: ByteBuffer(bytes: sealed))
                #expect(retry.headers[.idempotentReplayed] == "true")
                #expect(try await app.blobFiles().count == 2)
            }
        }
    }

    @Test func stopsComeInRouteOrderAndADeliveryCanBeConfirmedWithoutAPhoto() async throws {
        try await TestApp.run { app in
            func stop(_ position: Int?) async throws -> Delivery {
                try await app.services.deliveries.create(
                    NewDelivery(orderReference: "R-\(position ?? 0)-\(UUID().uuidString.prefix(4))",
                                recipient: Recipient(name: "Ann", email: "ann@example.com", language: .en),
                                address: "Stop \(position ?? 0)", latitude: 48.8566, longitude: 2.3522,
                                courierID: app.courier.id, routePosition: position),
                    for: app.tenant)
            }
            let unplaced = try await stop(nil)
            let third = try await stop(3)
            let first = try await stop(1)
            try await app.application.test(.router) { client in
                let page = try await client.execute(uri: "/api/v1/courier/deliveries", method: .get, headers: app.courierHeaders()).json()
                let ids = (page["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
                #expect(ids == [first.id, third.id, unplaced.id])

                let confirmed = try await client.execute(
                    uri: "/api/v1/courier/deliveries/\(third.id)/delivered", method: .post, headers: app.courierHeaders(contentType: "application/json"),
                    body: try JSONSerialization.body(["placement": "handed_to_resident", "note": "To the neighbour at 5"]))
                #expect(confirmed.status == .ok)
                let stored = try #require(try await app.services.store.delivery(id: third.id))
                #expect(stored.state == .delivered && stored.placement == .handedToResident && stored.note == "To the neighbour at 5")
                // The recipient hears once, even if the courier taps twice.
                _ = try await client.execute(
                    uri: "/api/v1/courier/deliveries/\(third.id)/delivered", method: .post, headers: app.courierHeaders(contentType: "application/json"),
                    body: try JSONSerialization.body(["placement": "porch"]))
                #expect(try await app.services.store.delivery(id: third.id)?.placement == .handedToResident)
            }
        }
    }

    @Test func theAppShellIsServedInTheCouriersLanguageWithAStrictPolicy() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                let french = try await client.execute(uri: "/courier", method: .get, headers: [.acceptLanguage: "fr-FR,fr;q=0.9"])
                #expect(french.status == .ok)
                #expect(french.text.contains(#"<html lang="fr">"#) && french.text.contains("Arrêts du jour"))
                #expect(french.headers[.contentSecurityPolicy]?.contains("script-src 'self';") == true)
                #expect(french.headers[.permissionsPolicy] == "camera=(self), geolocation=(self), microphone=()")
                let english = try await client.execute(uri: "/courier?lang=en", method: .get, headers: [.acceptLanguage: "fr"])
                #expect(english.text.contains(#"<html lang="en">"#) && english.text.contains("Today's stops"))
                let worker = try await client.execute(uri: "/courier/sw.js", method: .get)
                #expect(worker.headers[.serviceWorkerAllowed] == "/courier")
                #expect(try await client.execute(uri: "/courier/courier.js", method: .get).text.contains("crypto.subtle.deriveKey"))
            }
        }
    }
}
