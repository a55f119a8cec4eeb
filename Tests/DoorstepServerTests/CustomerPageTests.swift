import DoorstepCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

@Suite struct CustomerPageTests {
    /// A photo opened thousands of times must not make its page grow with it: the latest 50 show.
    @Test func theAccessLogOnThePageIsBounded() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                let delivery = try await deliveredParcel(app, client: client, language: .en)
                for index in 0..<80 {
                    try await app.services.audit.record(
                        .viewPhoto, tenantID: app.tenant.id, deliveryID: delivery.id, photoID: nil, by: .customerLink, actorID: nil)
                    if index % 20 == 0 { app.clock.advance(by: 1) }
                }
                let page = try await client.execute(uri: app.customerPath(delivery), method: .get)
                #expect(page.status == .ok)
                #expect(page.text.components(separatedBy: "<li><time").count - 1 == 50)
            }
        }
    }

    /// Uploads a photo for a new delivery and returns the delivery.
    func deliveredParcel(_ app: TestApp, client: some TestClientProtocol, language: Language) async throws -> Delivery {
        let delivery = try await app.delivery(language: language)
        let upload = try await client.execute(
            uri: app.uploadPath(delivery, query: "placement=behind_plant&note=Sous%20le%20pot%20bleu"), method: .post,
            headers: app.courierHeaders(key: "k"), body: ByteBuffer(bytes: Photos.jpeg))
        #expect(upload.status == .created)
        return delivery
    }

    @Test func theCustomerSeesThePhotoAndWhereTheParcelIsInTheirLanguage() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                let delivery = try await deliveredParcel(app, client: client, language: .fr)
                let page = try await client.execute(uri: app.customerPath(delivery), method: .get)
                #expect(page.status == .ok)
                #expect(page.headers[.contentType] == "text/html; charset=utf-8")
                #expect(page.headers[.cacheControl] == "private, no-store")
                #expect(page.headers[.referrerPolicy] == "no-referrer")
                let html = page.text
                #expect(html.contains("<html lang=\"fr\">"))
                #expect(html.contains("Votre colis a été livré"))
                #expect(html.contains("Derrière un buisson ou une plante"))
                #expect(html.contains("Sous le pot bleu"))
                // The courier's identity and position stay private.
                #expect(!html.contains(app.courier.displayName) && !html.contains("48.8566"))

                let photoPath = try #require(html.firstMatch(of: /src="([^"]+)"/)).1.replacingOccurrences(of: "&amp;", with: "&")
                #expect(photoPath.hasPrefix("/d/\(delivery.id)/photo/display?"))
                let photo = try await client.execute(uri: String(photoPath), method: .get)
                #expect(photo.status == .ok)
                #expect(photo.headers[.contentType] == "image/jpeg")
                #expect(photo.headers[.cacheControl]?.hasPrefix("private") == true)
                #expect(Array(photo.body.readableBytesView.prefix(3)) == [0xFF, 0xD8, 0xFF])
                let thumbnail = try await client.execute(uri: String(photoPath).replacingOccurrences(of: "/display?", with: "/thumbnail?"), method: .get)
                #expect(thumbnail.status == .ok && thumbnail.body.readableBytes < photo.body.readableBytes)
            }
        }
    }

    @Test func englishRecipientsReadEnglish() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                let delivery = try await deliveredParcel(app, client: client, language: .en)
                let html = try await client.execute(uri: app.customerPath(delivery), method: .get).text
                #expect(html.contains("Your parcel has been delivered") && html.contains("Behind a bush or plant"))
            }
        }
    }

    /// "At your address" only as close as GPS can tell, not across the tenant's whole at-address
    /// radius (50 m by default): 20 m away may be the neighbour's door.
    @Test(arguments: [(48.8566, "Taken at your address."), (48.85678, "Taken about 20 m from your address.")])
    func whereThePhotoWasTakenIsSaidAsPlainlyAsGPSAllows(_ latitude: Double, _ said: String) async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                let upload = try await client.execute(
                    uri: app.uploadPath(delivery, query: "placement=front_door&lat=\(latitude)&lon=2.3522"), method: .post,
                    headers: app.courierHeaders(key: "k"), body: ByteBuffer(bytes: Photos.jpeg))
                #expect(upload.status == .created)
                let html = try await client.execute(uri: app.customerPath(delivery), method: .get).text
                #expect(html.contains(said))
            }
        }
    }

    @Test func beforeDeliveryThePageSaysOnItsWayAndThereIsNoPhoto() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                let path = app.customerPath(delivery)
                let page = try await client.execute(uri: path, method: .get)
                #expect(page.status == .ok && page.text.contains("Your parcel is on its way"))
                let query = String(path.split(separator: "?")[1])
                let photo = try await client.execute(uri: "/d/\(delivery.id)/photo/display?\(query)", method: .get)
                #expect(photo.status == .notFound)
            }
        }
    }

    @Test func tamperedLinksAreRefusedWithAReadablePage() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                let delivery = try await deliveredParcel(app, client: client, language: .en)
                let path = app.customerPath(delivery)
                let other = try await app.delivery()
                let tampered = [
                    path.replacingOccurrences(of: delivery.id, with: other.id),  // another delivery, same signature
                    path.replacingOccurrences(of: "s=", with: "s=A"),
                    path.replacingOccurrences(of: "e=", with: "e=9"),
                    "/d/\(delivery.id)",
                    "/d/not-an-id?e=1&s=x",
                ]
                for uri in tampered {
                    let page = try await client.execute(uri: uri, method: .get, headers: [.acceptLanguage: "fr-FR"])
                    #expect(page.status == .notFound, "\(uri)")
                    #expect(page.headers[.contentType] == "text/html; charset=utf-8")
                    #expect(page.text.contains("Ce lien ne fonctionne pas"))
                }
                let query = String(path.split(separator: "?")[1])
                let forgedPhoto = try await client.execute(uri: "/d/\(other.id)/photo/display?\(query)", method: .get)
                #expect(forgedPhoto.status == .notFound && forgedPhoto.headers[.contentType] != "image/jpeg")
                let badVariant = try await client.execute(uri: "/d/\(delivery.id)/photo/original?\(query)", method: .get)
                #expect(badVariant.status == .notFound)
            }
        }
    }

    @Test func expiredLinksAreGone() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                let delivery = try await deliveredParcel(app, client: client, language: .en)
                let path = app.customerPath(delivery)
                app.clock.advance(by: app.services.configuration.customerLinkLifetime + 1)
                let page = try await client.execute(uri: path, method: .get)
                #expect(page.status == .gone && page.text.contains("This link has expired"))
                let query = String(path.split(separator: "?")[1])
                let photo = try await client.execute(uri: "/d/\(delivery.id)/photo/display?\(query)", method: .get)
                #expect(photo.status == .gone)
            }
        }
    }

    /// A page left open does not keep hearing events after its link expired: the stream ends with
    /// the link, and its reconnection is refused. The limit covers the app's set-up and teardown
    /// with the whole suite running (passing runs took up to 58 s in CI): the stream's own bound
    /// is the 10 s check below.
    @Test(.timeLimit(.minutes(5))) func theLiveStreamEndsWhenItsLinkExpires() async throws {
        try await TestApp.run(configure: { $0.customerLinkLifetime = 2 }) { app in
            let delivery = try await app.delivery()
            let query = String(app.customerPath(delivery).split(separator: "?")[1])
            try await app.application.test(.router) { client in
                let started = ContinuousClock.now
                let stream = try await client.execute(uri: "/d/\(delivery.id)/events?\(query)", method: .get)
                #expect(stream.status == .ok && stream.text.contains(": connected"))
                // Wide of the link's 2 s (a loaded CI machine took 5.1 s once), well short of the heartbeat's 15 s.
                #expect(ContinuousClock.now - started < .seconds(10), "ended with the link's 2 s, not at the 15 s heartbeat or later")
                app.clock.advance(by: 3)
                #expect(try await client.execute(uri: "/d/\(delivery.id)/events?\(query)", method: .get).status == .gone)
            }
        }
    }
}
