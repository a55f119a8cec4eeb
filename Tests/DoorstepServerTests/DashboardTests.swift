import DoorstepCore
import DoorstepServices
import DoorstepStorage
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import DoorstepServer

/// The operators' dashboard: counted from what really happened (uploads, deliveries without a
/// photo, attempts, customers' visits and opt-outs, notifications), kept once a day is over.
@Suite struct DashboardTests {
    @Test func theDashboardCountsWhatHappenedAndKeepsADayOnceItIsOver() async throws {
        try await TestApp.run { app in
            let (withPhoto, withoutPhoto, attempted, visited) = (
                try await app.delivery(), try await app.delivery(), try await app.delivery(),
                // Another recipient elsewhere: their opt-out must not stop the retake below.
                try await app.delivery(email: "bo@example.com", address: "2 Elm St", latitude: 48.86))
            try await app.application.test(.router) { client in
                try await app.upload(withPhoto, client: client)
                let without = try await client.execute(
                    uri: "/api/v1/courier/deliveries/\(withoutPhoto.id)/delivered", method: .post,
                    headers: app.courierHeaders(contentType: "application/json"), body: try JSONSerialization.body(["placement": "porch"]))
                #expect(without.status == .ok, "\(without.text)")
                let attempt = try await client.execute(
                    uri: "/api/v1/courier/deliveries/\(attempted.id)/attempts?reason=nobody_home", method: .post,
                    headers: app.courierHeaders(), body: ByteBuffer(bytes: Photos.jpeg))
                #expect(attempt.status == .created, "\(attempt.text)")
                // Two visits: a reload within minutes is the same visit.
                for link in [app.customerPath(visited), app.customerPath(visited), app.customerPath(withPhoto)] {
                    #expect(try await client.execute(uri: link, method: .get).status == .ok)
                }
                let optOut = try await client.execute(
                    uri: app.preferencesPath(visited), method: .post, headers: .form, body: .init(string: "choice=opted_out"))
                #expect(optOut.status == .ok)
                // Their next parcel is left without a photo: an opt-out, not a courier's choice.
                let optedOut = try await app.delivery(email: "bo@example.com", address: "2 Elm St", latitude: 48.86)
                let left = try await client.execute(
                    uri: "/api/v1/courier/deliveries/\(optedOut.id)/delivered", method: .post,
                    headers: app.courierHeaders(contentType: "application/json"), body: try JSONSerialization.body(["placement": "porch"]))
                #expect(left.status == .ok, "\(left.text)")

                let today = try await Self.dashboard(client, app, days: 7)
                #expect(today["days"] as? Int == 7 && (today["daily"] as? [[String: Any]])?.count == 7)
                let totals = try #require(today["totals"] as? [String: Int])
                #expect(totals["delivered_with_photo"] == 1 && totals["delivered_without_photo"] == 1 && totals["attempted"] == 1)
                #expect(totals["delivered_opted_out"] == 1, "\(totals)")
                // The attempt's door photo is not a photo of a parcel.
                #expect(totals["photos"] == 1, "\(totals)")
                #expect(totals["page_views"] == 2, "\(totals)")
                #expect(totals["opt_outs"] == 1, "\(totals)")
                let last = try #require((today["daily"] as? [[String: Any]])?.last)
                #expect(last["date"] as? String == today["to"] as? String && last["delivered_with_photo"] as? Int == 1)
                #expect((today["location"] as? [String: Int])?["at_address"] == 1)
                // Today's hours that ended ten minutes ago or more are kept (with no figures: all of
                // the above happened just now); the hour going on is counted afresh.
                let (now, hour) = (Int(app.clock.now.timeIntervalSince1970 * 1000), DashboardSpan.hour.length)
                let todaysHours = (now / DashboardSpan.day.length * 24)...(now / hour)
                let hours = try await app.services.store.keptCounts(tenantID: app.tenant.id, span: .hour, buckets: todaysHours)
                #expect(hours.kept == Set(todaysHours.filter { ($0 + 1) * hour + 600_000 <= now }) && hours.counts.isEmpty)
                // Every message queued for these events is counted once, in one of three states
                // (no SMTP server here: emails fail for good at once).
                let email = try #require((today["notifications"] as? [[String: Any]])?.first { $0["channel"] as? String == "email" })
                let queued = try await app.services.store.outboxMessages(state: nil, endpointID: nil, limit: 1000)
                #expect((email["sent"] as! Int) + (email["failed"] as! Int) + (email["pending"] as! Int)
                        == queued.filter { $0.channel == .email }.count)

                // A day is kept only once none of its notifications is pending (here they fail at
                // once: no SMTP server).
                var waits = 0
                while try await !app.services.store.outboxMessages(state: .pending, endpointID: nil, limit: 1).isEmpty, waits < 100 {
                    try await Task.sleep(for: .milliseconds(50))
                    waits += 1
                }

                // Two days on, that day's figures are kept and read back as they were, even after a
                // retake moved the delivery's time (it counts on the day it was first delivered);
                // the window moved, so today's row holds only the retake's photo.
                app.clock.advance(by: 2 * 86_400)
                let session = try await app.services.accounts.openSession(for: app.courier)  // the first one has expired
                let retake = try await client.execute(
                    uri: app.uploadPath(withPhoto), method: .post,
                    headers: [.authorization: "Bearer \(session.token)", .contentType: "image/jpeg", .idempotencyKey: UUID().uuidString],
                    body: ByteBuffer(bytes: Photos.jpeg))
                #expect(retake.status == .created, "\(retake.text)")
                let later = try await Self.dashboard(client, app, days: 7)
                // (Notifications aside: an email still pending at the first look may have failed since.)
                // The retake is a photo taken today: it counts as one, the delivery does not again.
                let counted = { (totals: [String: Int]?) in totals?.filter { !$0.key.hasPrefix("notifications") && !$0.key.hasPrefix("photos") } }
                #expect(counted(later["totals"] as? [String: Int]) == counted(totals))
                #expect((later["totals"] as? [String: Int])?["photos"] == 2)
                #expect(((later["daily"] as? [[String: Any]])?.last?["delivered_with_photo"]) as? Int == 0)
                #expect(((later["daily"] as? [[String: Any]])?.last?["photos"]) as? Int == 1)
                let day = Int(app.clock.now.timeIntervalSince1970 / 86_400)
                let kept = try await app.services.store.keptCounts(tenantID: app.tenant.id, span: .day, buckets: (day - 6)...day)
                #expect(kept.kept.contains(day - 2) && !kept.kept.contains(day))
                #expect(kept.counts.contains { $0.bucket == day - 2 && $0.metric == "delivered_with_photo" && $0.count == 1 })
                // Hours stand in for a day only until it is kept: that day's are let go.
                #expect(try await app.services.store.keptCounts(
                    tenantID: app.tenant.id, span: .hour, buckets: todaysHours.lowerBound...(todaysHours.lowerBound + 23)).kept.isEmpty)

                // A day is kept once, whole: a second keeper (another server) adds nothing to it.
                let notifications = kept.counts.filter { $0.bucket == day - 2 && DashboardMetric.notifications[$0.metric] != nil }
                #expect(!notifications.isEmpty)
                try await app.services.store.keepCounts(
                    tenantID: app.tenant.id, span: .day, buckets: [day - 2],
                    counts: notifications + [DashboardCount(bucket: day - 2, metric: "attempted", count: 99)])
                let again = try await app.services.store.keptCounts(tenantID: app.tenant.id, span: .day, buckets: (day - 2)...(day - 2))
                #expect(Set(again.counts) == Set(kept.counts.filter { $0.bucket == day - 2 }))

                // A dead letter sent again changes its day's outcome: the kept figures are forgotten.
                let dead = try #require(try await app.services.store.outboxMessages(state: .dead, endpointID: nil, limit: 100).first {
                    Int($0.event.occurredAt.timeIntervalSince1970 / 86_400) == day - 2
                })
                // (Its hour kept too, as a view on that day would have kept it.)
                let deadHour = Int(dead.event.occurredAt.timeIntervalSince1970 * 1000) / hour
                let hourly = try await app.services.store.countsFromRecords(tenantID: app.tenant.id, span: .hour, buckets: deadHour...deadHour)
                try await app.services.store.keepCounts(tenantID: app.tenant.id, span: .hour, buckets: [deadHour], counts: hourly)
                #expect(try await app.services.store.keptCounts(tenantID: app.tenant.id, span: .hour, buckets: deadHour...deadHour).kept == [deadHour])
                #expect(try await app.services.store.replayOutboxMessage(id: dead.id, endpointID: nil, at: app.clock.now))
                #expect(try await app.services.store.keptCounts(tenantID: app.tenant.id, span: .hour, buckets: deadHour...deadHour).kept.isEmpty)
                #expect(try await !app.services.store.keptCounts(tenantID: app.tenant.id, span: .day, buckets: (day - 2)...(day - 2)).kept.contains(day - 2))
                // …and figures counted before the replay are not kept after it: the day's
                // notifications are counted again as the day is kept, and they differ.
                try await app.services.store.keepCounts(tenantID: app.tenant.id, span: .day, buckets: [day - 2], counts: kept.counts.filter { $0.bucket == day - 2 })
                #expect(try await !app.services.store.keptCounts(tenantID: app.tenant.id, span: .day, buckets: (day - 2)...(day - 2)).kept.contains(day - 2))

                // The window is one of three, and another tenant's activity is not counted.
                let wrong = try await client.execute(uri: "/api/v1/dashboard?days=8", method: .get, headers: app.apiHeaders)
                #expect(wrong.status == .unprocessableContent && wrong.text.contains("days"))
                let other = try await app.services.accounts.createTenant(name: "Other")
                let theirs = try await client.execute(
                    uri: "/api/v1/dashboard?days=90", method: .get, headers: [.authorization: "Bearer \(other.apiKey)"])
                #expect((try theirs.json()["totals"] as? [String: Int])?.values.allSatisfy { $0 == 0 } == true)
            }
        }
    }

    /// A closed hour's figures are kept with what its deliveries were then; a photo added to a
    /// delivery left without one makes that hour counted again.
    @Test func aKeptHourIsReadBackAndAPhotoAddedLaterCountsAgain() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                let left = try await client.execute(
                    uri: "/api/v1/courier/deliveries/\(delivery.id)/delivered", method: .post,
                    headers: app.courierHeaders(contentType: "application/json"), body: try JSONSerialization.body(["placement": "porch"]))
                #expect(left.status == .ok, "\(left.text)")
                let first = try #require(try await Self.dashboard(client, app, days: 7)["totals"] as? [String: Int])
                #expect(first["delivered_without_photo"] == 1 && first["delivered_with_photo"] == 0)
                // No notification pending (no SMTP server here: the email fails for good at once).
                var waits = 0
                while try await !app.services.store.outboxMessages(state: .pending, endpointID: nil, limit: 1).isEmpty, waits < 100 {
                    try await Task.sleep(for: .milliseconds(50))
                    waits += 1
                }
                // Eleven minutes into the next hour: the delivery's hour is closed and settled. Its
                // day is not (at most 01:11 the next morning), so the view reads it from its hours.
                let hour = DashboardSpan.hour.length
                let deliveredHour = Int(app.clock.now.timeIntervalSince1970 * 1000) / hour
                app.clock.advance(by: TimeInterval((deliveredHour + 1) * hour + 11 * 60_000) / 1000 - app.clock.now.timeIntervalSince1970)
                let kept = { try await app.services.store.keptCounts(tenantID: app.tenant.id, span: .hour, buckets: deliveredHour...deliveredHour) }
                let second = try #require(try await Self.dashboard(client, app, days: 7)["totals"] as? [String: Int])
                // (Notifications aside: the email may still have been pending at the first look.)
                #expect(second.filter { !$0.key.hasPrefix("notifications") } == first.filter { !$0.key.hasPrefix("notifications") })
                #expect(try await kept().kept == [deliveredHour])
                #expect(try await kept().counts.contains { $0.metric == "delivered_without_photo" && $0.count == 1 })

                // A photo after all: the kept hour is forgotten, and counted again with it.
                let session = try await app.services.accounts.openSession(for: app.courier)
                let photo = try await client.execute(
                    uri: app.uploadPath(delivery), method: .post,
                    headers: [.authorization: "Bearer \(session.token)", .contentType: "image/jpeg", .idempotencyKey: UUID().uuidString],
                    body: ByteBuffer(bytes: Photos.jpeg))
                #expect(photo.status == .created, "\(photo.text)")
                #expect(try await kept().kept.isEmpty)
                let third = try #require(try await Self.dashboard(client, app, days: 7)["totals"] as? [String: Int])
                #expect(third["delivered_with_photo"] == 1 && third["delivered_without_photo"] == 0, "\(third)")
                #expect(try await kept().counts.contains { $0.metric == "delivered_with_photo" && $0.count == 1 })
            }
        }
    }

    static func dashboard(_ client: some TestClientProtocol, _ app: TestApp, days: Int) async throws -> [String: Any] {
        let response = try await client.execute(uri: "/api/v1/dashboard?days=\(days)", method: .get, headers: app.apiHeaders)
        #expect(response.status == .ok, "\(response.text)")
        return try response.json()
    }
}
