import DoorstepCore
import DoorstepNotify
@testable import DoorstepStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

@Suite struct NotificationTests {
    /// The outbox message the upload of `delivery` wrote for the recipient's email.
    func deliveredEmail(_ app: TestApp, _ delivery: Delivery) async throws -> OutboxMessage {
        let messages = try await app.services.store.outboxMessages(state: nil, endpointID: nil, limit: 100)
        return try #require(messages.first { $0.channel == .email && $0.event.type == .delivered && $0.event.deliveryID == delivery.id })
    }

    @Test func theDeliveredEmailLinksToThePageByDefaultAndCarriesTheThumbnailOnlyWhenTheTenantSaysSo() async throws {
        try await TestApp.run(configure: { $0.outboxWorker = false }) { app in
            let linked = try await app.delivery(language: .fr)
            try await app.application.test(.router) { client in
                try await app.upload(linked, client: client)
            }
            let plain = try #require(try await app.services.email.compose(try await deliveredEmail(app, linked)))
            #expect(plain.subject == "Votre colis a été livré" && plain.to == "ann@example.com")
            #expect(plain.inlineImages.isEmpty && plain.text.contains("/d/\(linked.id)?e="))
            #expect(plain.headers.contains { $0.0 == "List-Unsubscribe" && $0.1.contains("/o/\(linked.id)?") })

            var settings = app.tenant.settings
            settings.emailIncludesPhoto = true
            try await app.services.store.updateSettings(settings, tenantID: app.tenant.id)
            let attached = try await app.delivery(language: .en)
            try await app.application.test(.router) { client in
                try await app.upload(attached, client: client)
            }
            let withPhoto = try #require(try await app.services.email.compose(try await deliveredEmail(app, attached)))
            let image = try #require(withPhoto.inlineImages.first)
            #expect(Array(image.jpeg.prefix(3)) == [0xFF, 0xD8, 0xFF])
            #expect(withPhoto.html.contains("cid:\(image.contentID)") && withPhoto.subject == "Your order has been delivered")

            // The shop's logo heads the email, carried in it (no image fetched from a server when
            // it is read), with the shop's name as its text.
            _ = try await app.services.branding.update(TenantBranding(displayName: "Acme Parcels"), of: app.tenant)
            let branded = try await app.services.branding.setLogo(Photos.jpeg, of: app.tenant)
            let logo = try #require(branded.logo)
            let withLogo = try #require(try await app.services.email.compose(try await deliveredEmail(app, attached)))
            let carried = try #require(withLogo.inlineImages.first)
            #expect(carried.jpeg == (try await app.services.store.brandLogo(digest: logo.digest)))
            #expect(withLogo.inlineImages.count == 2 && withLogo.inlineImages[1].contentID == image.contentID)
            #expect(withLogo.html.contains("<img src=\"cid:\(carried.contentID)\" alt=\"Acme Parcels\""))
            #expect(withLogo.html.range(of: carried.contentID)!.lowerBound < withLogo.html.range(of: "Acme Parcels</bdi>")!.lowerBound)
            #expect(!withLogo.html.contains("/brand/logo/"))
            #expect(withLogo.rendered().components(separatedBy: "Content-Type: image/jpeg").count == 3)

            // Once the recipient's data is erased, there is nobody to write to.
            _ = try await app.services.privacy.erase(tenantID: app.tenant.id, contact: try RecipientContact(email: "ann@example.com", phone: nil), by: .operatorCLI, actorID: nil)
            #expect(try await app.services.email.compose(try await deliveredEmail(app, attached)) == nil)
        }
    }

    /// Support answers "did the customer get the email?" from the delivery: every message its
    /// events caused, on every channel, with its outcome; another tenant finds nothing.
    @Test func aDeliveryListsWhatItsEventsSentAndHowEachWent() async throws {
        try await TestApp.run(configure: { $0.outboxWorker = false }) { app in
            let endpoint = try await app.services.webhookEndpoints.create(url: "https://hooks.example.com/n", eventTypes: [], for: app.tenant)
            let delivery = try await app.delivery()
            let quiet = try await app.delivery()
            try await app.application.test(.router) { client in
                try await app.upload(delivery, client: client)
                let email = try await deliveredEmail(app, delivery)
                try await app.services.store.completeOutboxMessage(id: email.id, at: Date())
                let hook = try #require(try await app.services.store.outboxMessages(state: nil, endpointID: endpoint.id, limit: 50)
                    .first { $0.event.deliveryID == delivery.id && $0.event.type == .delivered })
                try await app.services.store.failOutboxMessage(id: hook.id, error: "HTTP 503", retryAt: nil)

                let answer = try await client.execute(uri: "/api/v1/deliveries/\(delivery.id)/notifications", method: .get, headers: app.apiHeaders)
                #expect(answer.status == .ok)
                let items = try #require(try answer.json()["items"] as? [[String: Any]])
                let sent = try #require(items.first { $0["id"] as? String == email.id })
                #expect(sent["channel"] as? String == "email" && sent["state"] as? String == "done" && sent["sent_at"] is String)
                #expect(sent["event_type"] as? String == "delivery.delivered" && sent["endpoint_id"] == nil && sent["occurred_at"] is String)
                let dead = try #require(items.first { $0["id"] as? String == hook.id })
                #expect(dead["channel"] as? String == "webhook" && dead["endpoint_id"] as? String == endpoint.id)
                #expect(dead["state"] as? String == "dead" && dead["last_error"] as? String == "HTTP 503")
                // Support staff see the outcome, not the webhook's endpoint or error (they read no
                // webhooks); nobody reads an email's error (the server's own mail set-up).
                let support = try await app.operatorSignIn(.support).session()
                let seen = try #require(try await client.execute(
                    uri: "/api/v1/deliveries/\(delivery.id)/notifications", method: .get, headers: TestApp.consoleHeaders(support)).json()["items"] as? [[String: Any]])
                let deadForSupport = try #require(seen.first { $0["id"] as? String == hook.id })
                #expect(deadForSupport["state"] as? String == "dead" && deadForSupport["last_error"] == nil && deadForSupport["endpoint_id"] == nil)
                // Only this delivery's messages, oldest event first.
                let events = try await app.services.store.outboxMessages(state: nil, endpointID: nil, limit: 500).filter { $0.event.deliveryID == delivery.id }
                #expect(Set(items.compactMap { $0["id"] as? String }) == Set(events.map(\.id)))
                let times = items.compactMap { $0["occurred_at"] as? String }
                #expect(times == times.sorted())
                let none = try await client.execute(uri: "/api/v1/deliveries/\(quiet.id)/notifications", method: .get, headers: app.apiHeaders)
                #expect((try none.json()["items"] as? [Any])?.isEmpty == true)
                _ = try await client.execute(uri: "/api/v1/deliveries/\(quiet.id)/out-for-delivery", method: .post, headers: app.apiHeaders)
                let onTheWay = try #require(try await app.services.store.outboxMessages(state: nil, endpointID: nil, limit: 500)
                    .first { $0.event.deliveryID == quiet.id && $0.channel == .email })
                try await app.services.store.failOutboxMessage(id: onTheWay.id, error: "cannot reach smtp.internal:587", retryAt: app.clock.now.addingTimeInterval(60))
                let mailed = try #require(try await client.execute(
                    uri: "/api/v1/deliveries/\(quiet.id)/notifications", method: .get, headers: app.apiHeaders).json()["items"] as? [[String: Any]])
                let retried = try #require(mailed.first { $0["id"] as? String == onTheWay.id })
                #expect(try await app.services.store.outboxMessage(id: onTheWay.id)?.lastError == "cannot reach smtp.internal:587")
                #expect(retried["state"] as? String == "pending" && retried["last_error"] == nil)

                let other = try await app.services.accounts.createTenant(name: "Other")
                let foreign = try await client.execute(
                    uri: "/api/v1/deliveries/\(delivery.id)/notifications", method: .get, headers: [.authorization: "Bearer \(other.apiKey)"])
                #expect(foreign.status == .notFound)
            }
        }
    }

    @Test func eventsAreOnlyEnqueuedWithTheChangeThatCausedThem() async throws {
        try await TestApp.run(configure: { $0.outboxWorker = false }) { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                let first = try await client.execute(uri: "/api/v1/deliveries/\(delivery.id)/out-for-delivery", method: .post, headers: app.apiHeaders)
                #expect(try first.json()["state"] as? String == "out_for_delivery")
                _ = try await client.execute(uri: "/api/v1/deliveries/\(delivery.id)/out-for-delivery", method: .post, headers: app.apiHeaders)
                try await app.upload(delivery, client: client, key: "once")
                try await app.upload(delivery, client: client, key: "once")  // a replay changes nothing, announces nothing
            }
            let types = try await app.services.store.outboxMessages(state: nil, endpointID: nil, limit: 100).map(\.event.type)
            #expect(types.sorted { $0.rawValue < $1.rawValue } == [.delivered, .outForDelivery])
        }
    }
}

@Suite struct ProblemReportTests {
    @Test func aCustomerReportsAProblemAndTheTenantHearsOfIt() async throws {
        try await TestApp.run(configure: { $0.outboxWorker = false }) { app in
            let delivery = try await app.delivery(language: .fr)
            _ = try await app.services.store.createWebhookEndpoint(WebhookEndpoint(
                id: UUID().uuidString.lowercased(), tenantID: app.tenant.id, url: "http://127.0.0.1:9/", secret: "whsec_AAAA",
                eventTypes: [.problemReported], createdAt: app.clock.now), upTo: 20)
            try await app.application.test(.router) { client in
                try await app.upload(delivery, client: client)
                let query = String(app.customerPath(delivery).split(separator: "?")[1])
                let page = try await client.execute(uri: app.customerPath(delivery), method: .get).text
                #expect(page.contains("Signaler un problème") && page.contains("Ce n’est pas ma porte"))
                let bad = try await client.execute(uri: "/d/\(delivery.id)/problem?\(query)", method: .post, headers: .form, body: .init(string: "kind=lost"))
                #expect(bad.status == .unprocessableContent)
                let sent = try await client.execute(uri: "/d/\(delivery.id)/problem?\(query)", method: .post, headers: .form,
                                                    body: .init(string: "kind=not_my_door&details=Porte+bleue%2C+pas+verte"))
                #expect(sent.status == .seeOther)
                let location = try #require(sent.headers[.location])
                #expect(try await client.execute(uri: location, method: .get).text.contains("la boutique a été prévenue"))
                let forged = try await client.execute(uri: "/d/\(delivery.id)/problem?e=1&s=x", method: .post, headers: .form, body: .init(string: "kind=other"))
                #expect(forged.status == .notFound)

                let api = try await client.execute(uri: "/api/v1/deliveries/\(delivery.id)", method: .get, headers: app.apiHeaders).json()
                let problems = try #require(api["problems"] as? [[String: Any]])
                #expect(problems.count == 1 && problems[0]["kind"] as? String == "not_my_door" && problems[0]["details"] as? String == "Porte bleue, pas verte")
            }
            let hooks = try await app.services.store.outboxMessages(state: .pending, endpointID: nil, limit: 10).filter { $0.channel == .webhook }
            #expect(hooks.map(\.event.type) == [.problemReported])
        }
    }
}

/// A send that succeeded is never recorded as a failed one because its outcome could not be
/// written: that would count an attempt against a receiver that answered and send it again soon.
@Suite struct OutboxRecordingTests {
    @Test func aSentWebhookWhoseOutcomeCannotBeWrittenIsNotScheduledAgainAsAFailure() async throws {
        let received = Mutex(0)
        let router = Router()
        router.post("hook") { _, _ in
            received.withLock { $0 += 1 }
            return HTTPResponse.Status.noContent
        }
        try await Application(router: router).test(.live) { live in
            let port = try #require(live.port)
            let configure: (inout AppConfiguration) -> Void = {
                $0.outboxWorker = false
                $0.retry = RetryPolicy(maxAttempts: 2)
            }
            try await TestApp.run(configure: configure, failing: "SET state = 'done'") { app in
                let endpoint = try await app.services.webhookEndpoints.create(url: "http://127.0.0.1:\(port)/hook", eventTypes: [], for: app.tenant)
                let delivery = try await app.delivery()
                try await app.application.test(.router) { client in
                    try await app.upload(delivery, client: client)
                }
                let store = app.services.store
                let claimed = try await store.claimOutboxMessages(now: app.clock.now, leaseUntil: app.clock.now.addingTimeInterval(300), limit: 100)
                let hook = try #require(claimed.first { $0.endpointID == endpoint.id && $0.event.deliveryID == delivery.id })
                await app.services.outboxWorker.deliver(hook)

                #expect(received.withLock { $0 } == 1)
                let after = try #require(try await store.outboxMessage(id: hook.id))
                #expect(after.state == .pending && after.lastError == nil && after.attempts == 1)
                // Still this process's until its lease ends: nobody sends it again before then.
                let again = try await store.claimOutboxMessages(now: app.clock.now.addingTimeInterval(60), leaseUntil: app.clock.now.addingTimeInterval(400), limit: 100)
                #expect(!again.contains { $0.id == hook.id })

                // Sent again once the lease is over (at least once), and dead-lettered, not sent,
                // once the policy's tries are spent without an outcome.
                let afterLease = try await store.claimOutboxMessages(now: app.clock.now.addingTimeInterval(301), leaseUntil: app.clock.now.addingTimeInterval(601), limit: 100)
                let second = try #require(afterLease.first { $0.id == hook.id })
                await app.services.outboxWorker.deliver(second)
                #expect(received.withLock { $0 } == 2)
                let third = try #require(try await store.claimOutboxMessages(
                    now: app.clock.now.addingTimeInterval(602), leaseUntil: app.clock.now.addingTimeInterval(900), limit: 100).first { $0.id == hook.id })
                await app.services.outboxWorker.deliver(third)
                #expect(received.withLock { $0 } == 2)
                let dead = try #require(try await store.outboxMessage(id: hook.id))
                #expect(dead.state == .dead && dead.lastError == "no outcome recorded after 2 attempts")
            }
        }
    }
}

/// A worker made to stop just after a send (its task cancelled) still records it while the
/// store's write turn is busy: the store turns a cancelled caller away at once, and a repeated
/// email or text is worse than one more write.
@Suite struct OutboxStoppingTests {
    @Test func aSendIsRecordedByAWorkerMadeToStopWhileTheStoreIsBusy() async throws {
        try await TestApp.run(configure: { $0.outboxWorker = false }) { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                try await app.upload(delivery, client: client)
            }
            let store = app.services.store
            let claimed = try await store.claimOutboxMessages(now: app.clock.now, leaseUntil: app.clock.now.addingTimeInterval(300), limit: 100)
            let message = try #require(claimed.first { $0.event.deliveryID == delivery.id })
            // The write turn held for half a second (on PostgreSQL there is no turn to hold: the
            // record must simply survive the cancellation).
            let source = try #require(store as? SQLMetadataStore).source
            let started = Mutex(false)
            let holder = Task {
                try await source.withWriteTurn {
                    started.withLock { $0 = true }
                    try await Task.sleep(for: .milliseconds(500))
                }
            }
            while !started.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
            let worker = Task { await app.services.outboxWorker.recordSent(message) }
            worker.cancel()
            await worker.value
            try await holder.value
            let after = try #require(try await store.outboxMessage(id: message.id))
            #expect(after.state == .done)
        }
    }
}

@Suite struct OutboxSignalTests {
    @Test func aNudgeWakesTheWorkerAndNoneLetsItSleepItsTimeOut() async throws {
        let signal = OutboxSignal()
        let clock = ContinuousClock()
        // Returning well before a 10-minute timeout can only be the nudge (the bound is loose on
        // purpose: this machine may be busy with other tests).
        signal.notify()
        let early = await clock.measure { await signal.wait(timeout: .seconds(600)) }
        #expect(early < .seconds(300), "a nudge given before the wait must not be lost")
        let idle = await clock.measure { await signal.wait(timeout: .milliseconds(200)) }
        #expect(idle >= .milliseconds(200))
        async let woken: Duration = clock.measure { await signal.wait(timeout: .seconds(600)) }
        try await Task.sleep(for: .milliseconds(100))
        signal.notify()
        #expect(await woken < .seconds(300))
    }
}
