import DoorstepCore
import DoorstepSecurity
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

/// Several photos per delivery (`photos_per_delivery`, 1 to 3): each slot has its own photo and
/// verdicts, a retake replaces its own slot only, the recipient hears "delivered" once, and the
/// page, the tenant's view, the receipt, the pack and a deletion take in every photo.
@Suite struct SeveralPhotosTests {
    func upload(
        _ client: some TestClientProtocol, _ app: TestApp, _ delivery: Delivery, slot: Int?, photo: [UInt8] = Photos.jpeg
    ) async throws -> TestResponse {
        let query = "placement=front_door&lat=48.8566&lon=2.3522" + (slot.map { "&slot=\($0)" } ?? "")
        return try await client.execute(
            uri: app.uploadPath(delivery, query: query), method: .post, headers: app.courierHeaders(), body: ByteBuffer(bytes: photo))
    }

    /// The member an RFC 9457 answer names as wrong.
    func field(_ response: TestResponse) -> String? { (try? response.json())?["field"] as? String }

    /// A receipt's signed statement, decoded.
    func statement(_ app: TestApp, _ delivery: Delivery) async throws -> [String: Any] {
        let current = try #require(try await app.services.store.delivery(id: delivery.id))
        let receipt = try #require(try await app.services.evidence.receipt(for: current))
        let bytes = try #require(Base64URL.decode(receipt.payload))
        return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    func photoID(_ response: TestResponse) throws -> String {
        try #require((try response.json()["photo"] as? [String: Any])?["id"] as? String)
    }

    @Test func twoPhotosEachWithItsVerdictsAnnouncedOnceShownEverywhereAndDeletedTogether() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery(email: "ann@example.com")
            try await app.application.test(.router) { client in
                // The setting is bounded, and couriers see it on their stops.
                let tooMany = try await client.execute(
                    uri: "/api/v1/settings", method: .patch, headers: app.apiHeaders, body: try JSONSerialization.body(["photos_per_delivery": 4]))
                #expect(tooMany.status == .unprocessableContent && field(tooMany) == "photos_per_delivery")
                let set = try await client.execute(
                    uri: "/api/v1/settings", method: .patch, headers: app.apiHeaders, body: try JSONSerialization.body(["photos_per_delivery": 2]))
                let settings = try set.json()
                #expect(set.status == .ok && settings["photos_per_delivery"] as? Int == 2)
                let stops = try await client.execute(uri: "/api/v1/courier/deliveries", method: .get, headers: app.courierHeaders()).json()
                let stop = try #require((stops["items"] as? [[String: Any]])?.first { $0["id"] as? String == delivery.id })
                #expect(stop["photos_per_delivery"] as? Int == 2)

                // A third photo is not one the tenant asked for.
                let third = try await upload(client, app, delivery, slot: 3)
                #expect(third.status == .unprocessableContent && field(third) == "slot")

                let first = try photoID(try await upload(client, app, delivery, slot: nil))
                let secondAnswer = try await upload(client, app, delivery, slot: 2, photo: Photos.bytes("r15_tower_512x512_oneplus_gps.jpg"))
                #expect(secondAnswer.status == .created, "\(secondAnswer.text)")
                let second = try photoID(secondAnswer)
                let secondPhoto = try secondAnswer.json()["photo"] as? [String: Any]
                #expect(secondPhoto?["slot"] as? Int == 2)

                // A retake of the second replaces it alone.
                let retaken = try photoID(try await upload(client, app, delivery, slot: 2))
                let live = try await app.services.store.currentPhotos(deliveryID: delivery.id)
                #expect(live.map(\.id) == [first, retaken] && live.map(\.slot) == [1, 2])
                let replaced = try await app.services.store.photoProofs(deliveryID: delivery.id).first { $0.photoID == second }
                #expect(replaced?.deletedReason == .replaced && replaced?.slot == 2)

                // "Delivered" reached the recipient once, from the first photo.
                let delivered = try await app.services.store.outboxMessages(state: nil, endpointID: nil, limit: 100).filter { $0.event.type == .delivered }
                #expect(delivered.count == 1 && delivered.first?.event.photoID == first)

                // The tenant sees both, each with its own verdicts, and downloads either.
                let view = try await client.execute(uri: "/api/v1/deliveries/\(delivery.id)", method: .get, headers: app.apiHeaders).json()
                let photos = try #require(view["photos"] as? [[String: Any]])
                #expect(photos.map { $0["id"] as? String } == [first, retaken] && photos.map { $0["slot"] as? Int } == [1, 2])
                #expect((view["photo"] as? [String: Any])?["id"] as? String == first)
                #expect(photos.allSatisfy { $0["quality"] is [String: Any] && $0["location"] is String })
                let download = try await client.execute(uri: "/api/v1/deliveries/\(delivery.id)/photo?slot=2", method: .get, headers: app.apiHeaders)
                let secondBytes = Array(download.body.readableBytesView)
                #expect(download.status == .ok && secondBytes.starts(with: [0xFF, 0xD8]))
                let noSuchSlot = try await client.execute(uri: "/api/v1/deliveries/\(delivery.id)/photo?slot=9", method: .get, headers: app.apiHeaders)
                #expect(noSuchSlot.status == .unprocessableContent)

                // The recipient's page shows both, numbered; each opens (audited) through the link.
                let page = try await client.execute(uri: app.customerPath(delivery), method: .get).text
                #expect(page.contains("Photo 1 of 2") && page.contains("Photo 2 of 2"))
                #expect(page.components(separatedBy: "data-photo").count - 1 == 2)
                let query = app.customerPath(delivery).split(separator: "?")[1]
                let shown = try await client.execute(uri: "/d/\(delivery.id)/photo/display?slot=2&\(query)", method: .get)
                #expect(shown.status == .ok && Array(shown.body.readableBytesView) == secondBytes)
                let empty = try await client.execute(uri: "/d/\(delivery.id)/photo/display?slot=3&\(query)", method: .get)
                #expect(empty.status == .notFound)
                let nonsense = try await client.execute(uri: "/d/\(delivery.id)/photo/display?slot=x&\(query)", method: .get)
                #expect(nonsense.status == .notFound)
                let views = try await app.services.store.accessEvents(deliveryID: delivery.id).filter { $0.action == .viewPhoto }
                #expect(views.map(\.photoID) == [retaken])

                // The receipt names each slot's photo; the pack embeds both JPEGs as stored.
                let payload = try await statement(app, delivery)
                #expect((payload["photo"] as? [String: Any])?["id"] as? String == first)
                #expect((payload["photos"] as? [[String: Any]])?.map { $0["id"] as? String } == [first, retaken])
                let firstBytes = Array(try await client.execute(uri: app.displayPhotoPath(delivery), method: .get).body.readableBytesView)
                let pdf = Array(try await client.execute(uri: "/api/v1/deliveries/\(delivery.id)/evidence.pdf", method: .get, headers: app.apiHeaders)
                    .body.readableBytesView)
                #expect(pdf.firstRange(of: firstBytes) != nil && pdf.firstRange(of: secondBytes) != nil)

                // "Delete my photo" deletes every photo of the delivery, and no retake brings one back.
                let deleted = try await client.execute(uri: "/d/\(delivery.id)/photo/delete?\(query)", method: .post)
                #expect(deleted.status == .seeOther)
                #expect(try await app.services.store.currentPhotos(deliveryID: delivery.id).isEmpty)
                let after = try await upload(client, app, delivery, slot: 2)
                #expect(after.status == .conflict)
            }
        }
    }

    @Test func withOnePhotoASecondIsRefusedAndARetakeStillAnnouncesTheNewPhoto() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery(email: "bob@example.com")
            try await app.application.test(.router) { client in
                let refused = try await upload(client, app, delivery, slot: 2)
                #expect(refused.status == .unprocessableContent && field(refused) == "slot")
                let malformed = try await upload(client, app, delivery, slot: 0)
                #expect(malformed.status == .unprocessableContent && field(malformed) == "slot")
                let first = try photoID(try await upload(client, app, delivery, slot: nil))
                let retake = try photoID(try await upload(client, app, delivery, slot: 1))
                let delivered = try await app.services.store.outboxMessages(state: nil, endpointID: nil, limit: 100)
                    .filter { $0.event.type == .delivered && $0.channel == .email }
                // (Both at the test clock's same instant: their order is not the point.)
                #expect(Set(delivered.map(\.event.photoID)) == [first, retake] && delivered.count == 2)
                let payload = try await statement(app, delivery)
                #expect((payload["photo"] as? [String: Any])?["id"] as? String == retake && payload["photos"] == nil)
            }
        }
    }

    func setPhotos(_ count: Int, _ client: some TestClientProtocol, _ app: TestApp) async throws {
        let set = try await client.execute(
            uri: "/api/v1/settings", method: .patch, headers: app.apiHeaders, body: try JSONSerialization.body(["photos_per_delivery": count]))
        #expect(set.status == .ok)
    }

    /// Two slots at once, and a second slot that arrives first (an offline queue): one "delivered"
    /// either way, from whichever photo made the delivery delivered.
    @Test func concurrentOrReorderedSlotsAnnounceTheDeliveryOnce() async throws {
        try await TestApp.run { app in
            let together = try await app.delivery(email: "ann@example.com")
            let reordered = try await app.delivery(email: "bob@example.com")
            try await app.application.test(.router) { client in
                try await setPhotos(2, client, app)
                let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                    for slot in [1, 2] { group.addTask { try await upload(client, app, together, slot: slot).status } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(statuses == [.created, .created])
                #expect(try await app.services.store.currentPhotos(deliveryID: together.id).map(\.slot) == [1, 2])

                let second = try photoID(try await upload(client, app, reordered, slot: 2))
                let first = try photoID(try await upload(client, app, reordered, slot: 1))
                let events = try await app.services.store.outboxMessages(state: nil, endpointID: nil, limit: 100).filter { $0.event.type == .delivered }
                #expect(events.filter { $0.event.deliveryID == together.id }.count == 1)
                #expect(events.filter { $0.event.deliveryID == reordered.id }.map(\.event.photoID) == [second])
                // Where the parcel is comes from the first slot's photo, whichever arrived first.
                let shown = try #require(try await app.services.store.delivery(id: reordered.id))
                #expect(shown.placement == .frontDoor && first != second)
            }
        }
    }

    /// Once the recipient has reported a problem, the evidence is frozen: no retake and no
    /// further photo may be added while the case is open.
    @Test func anOpenCaseRefusesAFurtherPhoto() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery(email: "ann@example.com")
            try await app.application.test(.router) { client in
                try await setPhotos(2, client, app)
                _ = try photoID(try await upload(client, app, delivery, slot: 1))
                let query = app.customerPath(delivery).split(separator: "?")[1]
                let reported = try await client.execute(
                    uri: "/d/\(delivery.id)/problem?\(query)", method: .post, headers: .form, body: ByteBuffer(string: "kind=not_there"))
                #expect(reported.status == .seeOther)
                let late = try await upload(client, app, delivery, slot: 2)
                #expect(late.status == .conflict && (try? late.json())?["reason"] as? String == "held_by_case")
                #expect(try await app.services.store.currentPhotos(deliveryID: delivery.id).count == 1)
            }
        }
    }

}
