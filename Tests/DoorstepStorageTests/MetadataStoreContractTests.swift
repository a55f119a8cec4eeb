import DoorstepCore
import Foundation
import Testing

@testable import DoorstepStorage

/// The behaviour every MetadataStore engine must have. Runs once per engine in `StoreEngine`.
@Suite struct MetadataStoreContractTests {
    @Test(arguments: StoreEngine.allCases)
    func migratingTwiceChangesNothing(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            try await seed.store.migrate()
            try await seed.store.ping()
        }
    }

    @Test(arguments: StoreEngine.allCases)
    func apiKeysFindTheirTenantByDigestOnly(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let tenant = try await seed.tenant()
            let key = APIKeyRecord(id: Seed.id(), prefix: "dsk_abc", name: "Warehouse", scopes: [.read, .admin], createdAt: seed.clock)
            try await seed.store.addAPIKey(key, tenantID: tenant.id, digest: "digest-1", liveLimit: nil)
            let found = try await seed.store.apiKey(digest: "digest-1")
            #expect(found?.tenant == tenant)
            #expect(found?.key == key)
            #expect(try await seed.store.apiKey(digest: "digest-2") == nil)
            try await seed.store.markAPIKeyUsed(id: key.id, at: seed.clock.addingTimeInterval(5))
            #expect(try await seed.store.apiKeys(tenantID: tenant.id).first?.lastUsedAt == seed.clock.addingTimeInterval(5))
            #expect(try await seed.store.tenants() == [tenant])
            #expect(try await seed.store.tenant(id: tenant.id) == tenant)
            #expect(try await seed.store.tenant(id: Seed.id()) == nil)
        }
    }

    @Test(arguments: StoreEngine.allCases)
    func brandingIsStoredWithTheTenantAndALogoIsReplacedWhole(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let tenant = try await seed.tenant()
            let other = try await seed.tenant("Other")
            let branding = TenantBranding(displayName: "Acme — Colis", accentColor: "#0b5394", supportEmail: "help@acme.example", supportURL: "https://acme.example/")
            try await seed.store.updateBranding(branding, tenantID: tenant.id)
            let first = TenantBranding.Logo(digest: String(repeating: "a", count: 64), width: 480, height: 120)
            try await seed.store.setBrandLogo(first, jpeg: [0xFF, 0xD8, 0x00, 0xFF], tenantID: tenant.id)
            var expected = branding
            expected.logo = first
            #expect(try await seed.store.tenant(id: tenant.id)?.branding == expected)
            #expect(try await seed.store.tenant(id: other.id)?.branding == TenantBranding())
            #expect(try await seed.store.brandLogo(digest: first.digest) == [0xFF, 0xD8, 0x00, 0xFF])
            // Another tenant may upload the very same file: both keep it.
            try await seed.store.setBrandLogo(first, jpeg: [0xFF, 0xD8, 0x00, 0xFF], tenantID: other.id)
            let second = TenantBranding.Logo(digest: String(repeating: "b", count: 64), width: 100, height: 100)
            try await seed.store.setBrandLogo(second, jpeg: [1, 2, 3], tenantID: tenant.id)
            #expect(try await seed.store.brandLogo(digest: second.digest) == [1, 2, 3])
            #expect(try await seed.store.tenant(id: tenant.id)?.branding.logo == second)
            try await seed.store.setBrandLogo(nil, jpeg: nil, tenantID: other.id)
            #expect(try await seed.store.brandLogo(digest: first.digest) == nil)
            // Text changes leave the logo alone.
            try await seed.store.updateBranding(TenantBranding(displayName: "Acme"), tenantID: tenant.id)
            #expect(try await seed.store.tenant(id: tenant.id)?.branding == TenantBranding(displayName: "Acme", logo: second))
        }
    }

    @Test(arguments: StoreEngine.allCases)
    func courierUsernamesAreUnique(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let tenant = try await seed.tenant()
            let courier = try await seed.courier(tenant, username: "sam")
            await #expect(throws: DoorstepError.conflict(reason: "that username is taken")) {
                _ = try await seed.courier(tenant, username: "sam")
            }
            let credentials = try #require(try await seed.store.courierCredentials(username: "sam"))
            #expect(credentials.courier == courier && credentials.passwordHash == "$2b$10$hash")
            #expect(try await seed.store.courier(id: courier.id, tenantID: tenant.id) == courier)
            #expect(try await seed.store.courier(id: courier.id, tenantID: Seed.id()) == nil)
        }
    }

    @Test(arguments: StoreEngine.allCases)
    func sessionsExpire(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let courier = try await seed.courier(try await seed.tenant())
            try await seed.store.addCourierSession(digest: "s1", courierID: courier.id, expiresAt: seed.clock.addingTimeInterval(60))
            #expect(try await seed.store.courier(forSessionDigest: "s1", now: seed.clock) == courier)
            #expect(try await seed.store.courier(forSessionDigest: "s1", now: seed.clock.addingTimeInterval(61)) == nil)
            #expect(try await seed.store.courier(forSessionDigest: "other", now: seed.clock) == nil)
        }
    }

    /// A disabled courier cannot sign in (no credentials are found) and its sessions end at once;
    /// enabled again, the same password works; operator tools still find the account.
    @Test(arguments: StoreEngine.allCases)
    func aDisabledCourierHasNoCredentialsAndNoSessions(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let courier = try await seed.courier(try await seed.tenant())
            try await seed.store.addCourierSession(digest: "s1", courierID: courier.id, expiresAt: seed.clock.addingTimeInterval(3600))
            try await seed.store.setCourierDisabled(courierID: courier.id, at: seed.clock)
            #expect(try await seed.store.courierCredentials(username: courier.username) == nil)
            #expect(try await seed.store.courier(forSessionDigest: "s1", now: seed.clock) == nil)
            let found = try #require(try await seed.store.courier(username: courier.username))
            #expect(found.courier == courier && found.disabledAt == seed.clock)
            try await seed.store.setCourierDisabled(courierID: courier.id, at: nil)
            #expect(try await seed.store.courierCredentials(username: courier.username)?.courier == courier)
            #expect(try await seed.store.courier(forSessionDigest: "s1", now: seed.clock) == nil, "ended, not paused")
            #expect(try await seed.store.courier(username: courier.username)?.disabledAt == nil)
        }
    }

    /// Caps are counted and inserted atomically: a burst of parallel requests gets exactly the
    /// cap through, not "the cap plus whoever counted before the others inserted".
    @Test(arguments: StoreEngine.allCases)
    func aParallelBurstPassesACapByNone(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let (courier, delivery) = try await seed.assignedDelivery()
            let since = seed.clock.addingTimeInterval(-3600)
            let store = seed.store, clock = seed.clock
            let tickets = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<12 {
                    group.addTask {
                        try await store.createCaptureTicket(
                            CaptureTicket(digest: "burst-\(index)", deliveryID: delivery.id, courierID: courier.id, issuedAt: clock),
                            maxUnusedSince: since, upTo: 3)
                    }
                }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(tickets == 3)
            #expect(try await store.unusedCaptureTickets(courierID: courier.id, issuedSince: since) == 3)
            let reports = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<12 {
                    group.addTask {
                        try await store.addProblemReport(
                            ProblemReport(id: "report-\(index)-\(delivery.id)", tenantID: delivery.tenantID, deliveryID: delivery.id,
                                          kind: .notThere, details: "", createdAt: clock),
                            events: [], maxOpen: 5)
                    }
                }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(reports == 5)
            #expect(try await store.problemReports(deliveryID: delivery.id).count == 5)
            // A case's notes, likewise.
            let caseID = try #require(try await store.problemReports(deliveryID: delivery.id).first?.id)
            let notes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<12 {
                    group.addTask {
                        try await store.addCaseNote(
                            CaseNote(id: "note-\(index)-\(delivery.id)", tenantID: delivery.tenantID, caseID: caseID, author: .staff,
                                     authorID: "someone", text: "note \(index)", createdAt: clock),
                            maxPerCase: 4)
                    }
                }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(notes == 4)
            #expect(try await store.caseNotes(caseID: caseID, tenantID: delivery.tenantID).count == 4)
        }
    }

    @Test(arguments: StoreEngine.allCases)
    func deliveriesAreScopedToTheirTenant(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let shop = try await seed.tenant("Shop"), rival = try await seed.tenant("Rival")
            let delivery = try await seed.delivery(shop, reference: "A-1")
            #expect(try await seed.store.delivery(id: delivery.id, tenantID: shop.id) == delivery)
            #expect(try await seed.store.delivery(id: delivery.id, tenantID: rival.id) == nil)
            #expect(try await seed.store.deliveries(tenantID: rival.id, filter: DeliveryFilter(), limit: 10, after: nil).isEmpty)
            // The same order reference is another tenant's business; twice in one tenant is a conflict.
            _ = try await seed.delivery(rival, reference: "A-1")
            await #expect(throws: DoorstepError.self) { _ = try await seed.delivery(shop, reference: "A-1") }
        }
    }

    @Test(arguments: StoreEngine.allCases)
    func paginationVisitsEveryDeliveryOnceNewestFirst(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let tenant = try await seed.tenant()
            var created: [Delivery] = []
            for index in 0..<7 {
                // Pairs share a timestamp, so the id tie-break is exercised.
                created.append(try await seed.delivery(tenant, at: seed.clock.addingTimeInterval(Double(index / 2))))
            }
            var seen: [Delivery] = []
            var cursor: DeliveryCursor?
            repeat {
                let page = try await seed.store.deliveries(tenantID: tenant.id, filter: DeliveryFilter(), limit: 3, after: cursor)
                seen += page
                cursor = page.count == 3 ? page.last.map { DeliveryCursor(createdAt: $0.createdAt, id: $0.id) } : nil
            } while cursor != nil
            #expect(seen.count == 7 && Set(seen.map(\.id)) == Set(created.map(\.id)))
            #expect(seen.map(\.createdAt) == seen.map(\.createdAt).sorted(by: >))
        }
    }

    @Test(arguments: StoreEngine.allCases)
    func recordingAPhotoDeliversTheParcelInOneStep(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let (courier, delivery) = try await seed.assignedDelivery()
            let photo = seed.photo(for: delivery, courier: courier)
            let result = try await seed.store.recordPhoto(photo, idempotency: nil, events: [])
            #expect(try await seed.store.currentPhoto(deliveryID: delivery.id) == photo)
            let updated = try #require(try await seed.store.delivery(id: delivery.id))
            #expect(updated.state == .delivered && updated.placement == .porch && updated.note == "by the pot")
            #expect(updated.deliveredAt == photo.createdAt)
            // The delivery handed back is the one stored, as the transaction left it.
            #expect(result == .recorded(retired: [], delivery: updated))
            #expect(try await seed.store.deliveries(courierID: courier.id, deliveredSince: .distantPast).map(\.id) == [delivery.id])
            // Delivered before the courier's day began: off today's list.
            #expect(try await seed.store.deliveries(courierID: courier.id, deliveredSince: photo.createdAt.addingTimeInterval(1)).isEmpty)
        }
    }

    /// The key cap and the last admin key hold under concurrency: checked and written as one.
    @Test(arguments: StoreEngine.allCases)
    func keyLimitsHoldAgainstParallelRequests(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let tenant = try await seed.tenant()
            let store = seed.store, clock = seed.clock
            let added = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        try await store.addAPIKey(
                            APIKeyRecord(id: Seed.id(), prefix: "dsk_\(index)", scopes: [.admin], createdAt: clock), tenantID: tenant.id,
                            digest: "burst-\(index)", liveLimit: 3)
                    }
                }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(added == 3)
            let ids = try await store.apiKeys(tenantID: tenant.id).map(\.id)
            let outcomes = try await withThrowingTaskGroup(of: APIKeyRevocation.self) { group in
                for id in ids { group.addTask { try await store.revokeAPIKeyKeepingAnAdmin(id: id, tenantID: tenant.id, at: clock) } }
                return try await group.reduce(into: [APIKeyRevocation]()) { $0.append($1) }
            }
            #expect(outcomes.count(where: { $0 == .revoked }) == 2)
            #expect(outcomes.count(where: { $0 == .lastAdminKey }) == 1)
            #expect(try await store.apiKeys(tenantID: tenant.id).count(where: { $0.revokedAt == nil }) == 1)
        }
    }

    @Test(arguments: StoreEngine.allCases)
    func revokedKeysAndSessionsNoLongerAuthenticate(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let tenant = try await seed.tenant(), other = try await seed.tenant("Other")
            let (old, new) = (Seed.id(), Seed.id())
            try await seed.store.addAPIKey(APIKeyRecord(id: old, prefix: "dsk_old", createdAt: seed.clock), tenantID: tenant.id, digest: "digest-old", liveLimit: nil)
            try await seed.store.addAPIKey(
                APIKeyRecord(id: new, prefix: "dsk_new", createdAt: seed.clock.addingTimeInterval(1)), tenantID: tenant.id, digest: "digest-new", liveLimit: nil)
            #expect(try await !seed.store.revokeAPIKey(id: old, tenantID: other.id, at: seed.clock), "another tenant's key is not theirs to revoke")
            #expect(try await seed.store.revokeAPIKey(id: old, tenantID: tenant.id, at: seed.clock))
            #expect(try await !seed.store.revokeAPIKey(id: old, tenantID: tenant.id, at: seed.clock), "once")
            #expect(try await seed.store.apiKey(digest: "digest-old") == nil)
            #expect(try await seed.store.apiKey(digest: "digest-new")?.tenant == tenant)
            #expect(try await seed.store.apiKeys(tenantID: tenant.id).map { [$0.id, $0.prefix, $0.revokedAt == nil ? "live" : "revoked"] }
                    == [[old, "dsk_old", "revoked"], [new, "dsk_new", "live"]])

            let courier = try await seed.courier(tenant), colleague = try await seed.courier(tenant)
            for (digest, owner) in [("s1", courier), ("s2", courier), ("s3", colleague)] {
                try await seed.store.addCourierSession(digest: digest, courierID: owner.id, expiresAt: seed.clock.addingTimeInterval(3600))
            }
            #expect(try await seed.store.revokeCourierSessions(courierID: courier.id) == 2)
            #expect(try await seed.store.courier(forSessionDigest: "s1", now: seed.clock) == nil)
            #expect(try await seed.store.courier(forSessionDigest: "s3", now: seed.clock) == colleague)
        }
    }

    @Test(arguments: StoreEngine.allCases)
    func recordsWhoseUseIsOverArePurgedAndNoOthers(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let (courier, delivery) = try await seed.assignedDelivery()
            try await seed.store.addCourierSession(digest: "expired", courierID: courier.id, expiresAt: seed.clock.addingTimeInterval(-1))
            try await seed.store.addCourierSession(digest: "live", courierID: courier.id, expiresAt: seed.clock.addingTimeInterval(3600))
            for (digest, age) in [("old-ticket", 3 * 86_400.0), ("new-ticket", 60)] {
                _ = try await seed.store.createCaptureTicket(CaptureTicket(
                    digest: digest, deliveryID: delivery.id, courierID: courier.id, issuedAt: seed.clock.addingTimeInterval(-age)),
                    maxUnusedSince: seed.clock.addingTimeInterval(-3600), upTo: 20)
            }
            #expect(try await seed.store.unusedCaptureTickets(courierID: courier.id, issuedSince: seed.clock.addingTimeInterval(-3600)) == 1)
            var old = seed.photo(for: delivery, courier: courier)
            old.createdAt = seed.clock.addingTimeInterval(-8 * 86_400)
            _ = try await seed.store.recordPhoto(old, idempotency: IdempotencyClaim(courierID: courier.id, key: "old", fingerprint: "f", photoID: old.id),
                                                 events: [], audit: nil)

            let purged = try await seed.store.purgeExpiredRecords(PurgeCutoffs(
                sessionsExpiredBy: seed.clock, ticketsIssuedBefore: seed.clock.addingTimeInterval(-2 * 86_400),
                idempotencyKeysBefore: seed.clock.addingTimeInterval(-7 * 86_400)))
            #expect(purged == PurgeCounts(sessions: 1, tickets: 1, idempotencyKeys: 1))
            #expect(try await seed.store.courier(forSessionDigest: "live", now: seed.clock) == courier)
            #expect(try await seed.store.captureTicket(digest: "old-ticket") == nil)
            #expect(try await seed.store.captureTicket(digest: "new-ticket") != nil)
            #expect(try await seed.store.idempotentUpload(courierID: courier.id, key: "old") == nil)
            #expect(try await seed.store.currentPhoto(deliveryID: delivery.id)?.id == old.id, "the photo itself stays")
        }
    }

    @Test(arguments: StoreEngine.allCases)
    func aRepeatedIdempotencyKeyChangesNothing(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let (courier, delivery) = try await seed.assignedDelivery()
            let first = seed.photo(for: delivery, courier: courier), second = seed.photo(for: delivery, courier: courier)
            let claim = IdempotencyClaim(courierID: courier.id, key: "k1", fingerprint: "f", photoID: first.id)
            func upload(_ photo: Photo) -> AccessEvent {
                AccessEvent(id: Seed.id(), tenantID: delivery.tenantID, deliveryID: delivery.id, photoID: photo.id,
                            actor: .courier, actorID: courier.id, action: .upload, at: photo.createdAt)
            }
            _ = try await seed.store.recordPhoto(first, idempotency: claim, events: [], audit: upload(first))
            var retry = claim
            retry.photoID = second.id
            #expect(try await seed.store.recordPhoto(second, idempotency: retry, events: [], audit: upload(second)) == .duplicate(claim))
            #expect(try await seed.store.currentPhoto(deliveryID: delivery.id)?.id == first.id)
            #expect(try await seed.store.photo(id: second.id) == nil)
            #expect(try await seed.store.idempotentUpload(courierID: courier.id, key: "k1") == claim)
            // The upload is in the access log once, with the photo that was recorded: the duplicate left no entry.
            #expect(try await seed.store.accessEvents(deliveryID: delivery.id).map(\.photoID) == [first.id])
        }
    }

    @Test(arguments: StoreEngine.allCases)
    func concurrentUploadsWithOneKeyRecordOnePhoto(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let (courier, delivery) = try await seed.assignedDelivery()
            let results = try await withThrowingTaskGroup(of: RecordPhotoResult.self) { group in
                for _ in 0..<8 {
                    let photo = seed.photo(for: delivery, courier: courier)
                    let claim = IdempotencyClaim(courierID: courier.id, key: "same", fingerprint: "f", photoID: photo.id)
                    group.addTask { try await seed.store.recordPhoto(photo, idempotency: claim, events: []) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.filter { if case .recorded = $0 { true } else { false } }.count == 1)
            #expect(results.filter { if case .duplicate = $0 { true } else { false } }.count == 7)
        }
    }

    @Test(arguments: StoreEngine.allCases)
    func aRetakeRetiresThePreviousPhoto(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let (courier, delivery) = try await seed.assignedDelivery()
            let first = seed.photo(for: delivery, courier: courier), retake = seed.photo(for: delivery, courier: courier)
            _ = try await seed.store.recordPhoto(first, idempotency: nil, events: [])
            guard case .recorded(let retired, _, _, _) = try await seed.store.recordPhoto(retake, idempotency: nil, events: []) else {
                Issue.record("the retake was not recorded")
                return
            }
            #expect(retired == [first.display.blobKey, first.thumbnail.blobKey])
            #expect(try await seed.store.currentPhoto(deliveryID: delivery.id)?.id == retake.id)
            #expect(try await seed.store.liveBlobKeys(ofPhotos: [first.id, retake.id, Seed.id()]) == [retake.display.blobKey, retake.thumbnail.blobKey])
        }
    }

    @Test(arguments: StoreEngine.allCases)
    func aFailedRecordingLeavesNoTrace(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let (courier, delivery) = try await seed.assignedDelivery()
            var orphan = seed.photo(for: delivery, courier: courier)
            orphan.deliveryID = Seed.id()  // no such delivery: the photo insert violates its foreign key
            let claim = IdempotencyClaim(courierID: courier.id, key: "k", fingerprint: "f", photoID: orphan.id)
            await #expect(throws: (any Error).self) { _ = try await seed.store.recordPhoto(orphan, idempotency: claim, events: []) }
            // The key claimed earlier in the same transaction was rolled back with it.
            #expect(try await seed.store.idempotentUpload(courierID: courier.id, key: "k") == nil)
            #expect(try await seed.store.liveBlobKeys(ofPhotos: [orphan.id]).isEmpty)
        }
    }

    @Test(arguments: StoreEngine.allCases)
    func nearPerceptualHashesAreTheTenantsCloseOnesInTheWindow(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let tenant = try await seed.tenant(), rival = try await seed.tenant("Rival")
            let courier = try await seed.courier(tenant), rivalCourier = try await seed.courier(rival)
            let base: UInt64 = 0xF00D_0000_0000_BEEF
            func record(_ hash: UInt64, in tenant: Tenant, by courier: Courier) async throws -> Photo {
                var photo = seed.photo(for: try await seed.delivery(tenant, courier: courier), courier: courier)
                photo.perceptualHash = hash
                _ = try await seed.store.recordPhoto(photo, idempotency: nil, events: [])
                return photo
            }
            let threeBits = try await record(base ^ 0b111, in: tenant, by: courier)
            let twelveBits = try await record(base ^ 0xFFF, in: tenant, by: courier)
            // Two bits apart, one of them the sign bit: the engines must compare all 64 bits unsigned.
            let otherSign = try await record(base ^ 0x8000_0000_0000_0001, in: tenant, by: courier)
            _ = try await record(base ^ 0x1FFF, in: tenant, by: courier)  // 13 bits: too far
            _ = try await record(0, in: tenant, by: courier)  // no hash: never a match
            let rivals = try await record(base, in: rival, by: rivalCourier)
            let since = seed.clock

            func near(_ tenant: Tenant = tenant, since: Date = since, within bits: Int = 12, excluding: String = "none", limit: Int = 10)
                async throws -> [PerceptualHashRow] {
                try await seed.store.nearPerceptualHashes(
                    of: base, tenantID: tenant.id, since: since, maxDistance: bits, excludingDeliveryID: excluding, limit: limit)
            }
            // Closest first.
            #expect(try await near().map(\.photoID) == [otherSign.id, threeBits.id, twelveBits.id])
            let threeBitsDelivery = try #require(try await seed.store.delivery(id: threeBits.deliveryID))
            #expect(try await near().first { $0.photoID == threeBits.id }
                == PerceptualHashRow(photoID: threeBits.id, deliveryID: threeBits.deliveryID, courierID: courier.id, hash: base ^ 0b111,
                                     address: threeBitsDelivery.address, location: threeBitsDelivery.location))
            #expect(try await near(within: 3).map(\.photoID) == [otherSign.id, threeBits.id])
            #expect(try await near(limit: 2).map(\.photoID) == [otherSign.id, threeBits.id])
            // The delivery's own earlier photos (retakes) are not reuse.
            #expect(try await near(excluding: threeBits.deliveryID).map(\.photoID) == [otherSign.id, twelveBits.id])
            // Photos made before the window (all of them were made at clock + 60 s) are not looked at.
            #expect(try await near(since: since.addingTimeInterval(61), within: 64).isEmpty)
            #expect(try await near(rival, within: 0).map(\.photoID) == [rivals.id])

            // The flags recorded with a photo come back closest first.
            var flagged = seed.photo(for: try await seed.delivery(tenant, courier: courier), courier: courier)
            flagged.reuse = [ReuseMatch(photoID: otherSign.id, deliveryID: otherSign.deliveryID, distance: 2, sameCourier: true, sameAddress: false),
                             ReuseMatch(photoID: twelveBits.id, deliveryID: twelveBits.deliveryID, distance: 12, sameCourier: false, sameAddress: true)]
            _ = try await seed.store.recordPhoto(flagged, idempotency: nil, events: [])
            #expect(try await seed.store.reuseMatches(photoID: flagged.id) == flagged.reuse)
        }
    }

    @Test(arguments: StoreEngine.allCases)
    func aProofThumbnailReplacesThePhotosKeyOutlivesItUnlessHeldAndEndsOnce(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let (courier, delivery) = try await seed.assignedDelivery()
            let photo = seed.photo(for: delivery, courier: courier)
            _ = try await seed.store.recordPhoto(photo, idempotency: nil, events: [])
            let expired = photo.expiresAt.addingTimeInterval(1)
            #expect(try await seed.store.expiredPhotoIDs(now: expired, limit: 10) == [photo.id])

            // An open case holds it past its time.
            let report = ProblemReport(id: Seed.id(), tenantID: delivery.tenantID, deliveryID: delivery.id, kind: .notThere, details: "", createdAt: seed.clock)
            #expect(try await seed.store.addProblemReport(report, events: [], maxOpen: 5))
            #expect(try await seed.store.expiredPhotoIDs(now: expired, limit: 10).isEmpty)
            // The sweep's own statements check the hold too: a case opened after the listing still holds.
            #expect(try await seed.store.deletePhoto(id: photo.id, reason: .expired, at: expired, events: []) == nil)
            #expect(try await seed.store.reduceToProof(
                id: photo.id, proofKey: "held", dataKey: WrappedDataKey(kekVersion: 2, sealed: "held"), until: expired, at: expired, events: []) == nil)
            _ = try await seed.store.resolveProblemReport(id: report.id, resolution: "done", at: seed.clock, events: [])
            #expect(try await seed.store.expiredPhotoIDs(now: expired, limit: 10) == [photo.id])

            let proofKey = BlobKey.proofThumbnail(photoID: photo.id, sealID: Seed.id())
            let newKey = WrappedDataKey(kekVersion: 2, sealed: "proof-key")
            let until = expired.addingTimeInterval(86400)
            let retired = try await seed.store.reduceToProof(id: photo.id, proofKey: proofKey, dataKey: newKey, until: until, at: expired, events: [])
            #expect(retired == [photo.display.blobKey, photo.thumbnail.blobKey])
            // Once only: a second sweeper gets nothing.
            #expect(try await seed.store.reduceToProof(id: photo.id, proofKey: "other", dataKey: newKey, until: until, at: expired, events: []) == nil)
            #expect(try await seed.store.photo(id: photo.id) == nil)
            let kept = StoredProofThumbnail(photoID: photo.id, deliveryID: delivery.id, tenantID: delivery.tenantID, blobKey: proofKey,
                                            dataKey: newKey, width: photo.thumbnail.width, height: photo.thumbnail.height, until: until)
            #expect(try await seed.store.proofThumbnails(deliveryID: delivery.id) == [kept])
            #expect(try await seed.store.photoProofs(deliveryID: delivery.id).first?.proofThumbnailUntil == until)
            #expect(try await seed.store.photoProofs(deliveryID: delivery.id).first?.deletedReason == .expired)
            // Only the proof's blob is live; the photo's key is gone and the proof's is rotated like any.
            #expect(try await seed.store.liveBlobKeys(ofPhotos: [photo.id]) == [proofKey])
            #expect(try await seed.store.kekVersionsInUse() == [2])
            #expect(try await seed.store.photoKeys(notWrappedBy: 3, limit: 10).map(\.key) == [newKey])

            #expect(try await seed.store.dueProofThumbnails(now: until.addingTimeInterval(-1), limit: 10).isEmpty)
            let again = ProblemReport(id: Seed.id(), tenantID: delivery.tenantID, deliveryID: delivery.id, kind: .damaged, details: "", createdAt: seed.clock)
            #expect(try await seed.store.addProblemReport(again, events: [], maxOpen: 5))
            #expect(try await seed.store.dueProofThumbnails(now: until, limit: 10).isEmpty)
            #expect(try await !seed.store.endProofThumbnail(photoID: photo.id, dueBy: until, reason: nil))
            _ = try await seed.store.resolveProblemReport(id: again.id, resolution: "done", at: seed.clock, events: [])
            #expect(try await seed.store.dueProofThumbnails(now: until, limit: 10) == [kept])

            #expect(try await seed.store.endProofThumbnail(photoID: photo.id, dueBy: until, reason: nil))
            #expect(try await !seed.store.endProofThumbnail(photoID: photo.id, dueBy: nil, reason: .customerLink))
            #expect(try await seed.store.proofThumbnails(deliveryID: delivery.id).isEmpty)
            #expect(try await seed.store.liveBlobKeys(ofPhotos: [photo.id]).isEmpty)
            #expect(try await seed.store.kekVersionsInUse().isEmpty)
            #expect(try await seed.store.photoProofs(deliveryID: delivery.id).first?.proofThumbnailUntil == nil)
        }
    }

    @Test(arguments: StoreEngine.allCases)
    func aRaisedCaseOpensOnceHoldsThePhotoAgainstARetakeLeavesTheRecipientsCapAndOpensAgainAfterResolution(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let (courier, delivery) = try await seed.assignedDelivery()
            func raised() -> RaisedCase {
                RaisedCase(
                    report: ProblemReport(id: Seed.id(), tenantID: delivery.tenantID, deliveryID: delivery.id, kind: .photoReused, details: "",
                                          createdAt: seed.clock),
                    event: OutboxEvent(id: Seed.id(), tenantID: delivery.tenantID, type: .problemReported, deliveryID: delivery.id, photoID: nil,
                                       occurredAt: seed.clock))
            }
            func record() async throws -> Bool {
                guard case .recorded(_, _, let opened, _) = try await seed.store.recordPhoto(
                    seed.photo(for: delivery, courier: courier), idempotency: nil, events: [], audit: nil, raising: raised())
                else { Issue.record("not recorded"); return false }
                return opened
            }
            func kinds() async throws -> [ProblemReport.Kind] {
                try await seed.store.problemReports(deliveryID: delivery.id).map(\.kind).sorted { $0.rawValue < $1.rawValue }
            }
            #expect(try await record())
            // The open case holds the photo it is about: no retake replaces it, and nothing changes.
            await #expect(throws: DoorstepError.photoNotAllowed(.heldByCase)) { try await record() }
            #expect(try await kinds() == [.photoReused])
            #expect(try await seed.store.currentPhoto(deliveryID: delivery.id) != nil)
            // The recipient's own cap counts their reports only.
            for expected in [true, false] {
                let report = ProblemReport(id: Seed.id(), tenantID: delivery.tenantID, deliveryID: delivery.id, kind: .notThere, details: "", createdAt: seed.clock)
                #expect(try await seed.store.addProblemReport(report, events: [], maxOpen: 1) == expected)
            }
            #expect(try await kinds() == [.notThere, .photoReused])
            // Once every case is resolved, a retake is taken and a new reused photo opens a new case.
            for report in try await seed.store.problemReports(deliveryID: delivery.id) {
                _ = try await seed.store.resolveProblemReport(id: report.id, resolution: "checked", at: seed.clock, events: [])
            }
            #expect(try await record())
            #expect(try await kinds() == [.notThere, .photoReused, .photoReused])
            // With no live photo to hold (gone, e.g. expired), an upload is taken, and finds its case already open.
            _ = try await seed.store.deletePhoto(id: try #require(try await seed.store.currentPhoto(deliveryID: delivery.id)).id,
                                                 reason: .operatorCLI, at: seed.clock, events: [])
            #expect(try await !record())
            #expect(try await kinds() == [.notThere, .photoReused, .photoReused])
        }
    }

    /// Many wrong codes at once (a script, several servers): exactly `maxFailures` are judged,
    /// each counted, and the rest find the code locked, the right one included.
    @Test(arguments: StoreEngine.allCases)
    func concurrentHandoverGuessesAreCountedOneByOneAndLockTheCode(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let tenant = try await seed.tenant()
            let delivery = try await seed.delivery(tenant, handoverCode: "482913")
            let results = try await withThrowingTaskGroup(of: HandoverResult.self) { group in
                for guess in 0..<20 {
                    group.addTask {
                        try await seed.store.handOver(deliveryID: delivery.id, code: String(format: "%06d", guess), note: nil, maxFailures: 5,
                                                      at: seed.clock, events: [])
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let left = results.compactMap { if case .wrongCode(let n) = $0 { n } else { nil } }
            #expect(left.sorted() == [0, 1, 2, 3, 4])
            #expect(results.filter { $0 == .locked }.count == 15)
            #expect(try await seed.store.handOver(deliveryID: delivery.id, code: "482913", note: nil, maxFailures: 5, at: seed.clock, events: []) == .locked)
            // Another delivery's code works, once.
            let other = try await seed.delivery(tenant, handoverCode: "000007")
            guard case .handedOver(let done) = try await seed.store.handOver(
                deliveryID: other.id, code: "000007", note: "to Ann", maxFailures: 5, at: seed.clock, events: []) else {
                Issue.record("not handed over"); return
            }
            #expect(done.state == .delivered && done.placement == .handedToResident && done.handedOverAt == seed.clock && done.note == "to Ann")
            #expect(try await seed.store.handOver(deliveryID: other.id, code: "000007", note: nil, maxFailures: 5, at: seed.clock, events: []) == .alreadyDelivered)
        }
    }
}

@Suite struct ColumnNameTests {
    @Test(arguments: [("id", "id"), ("tenantId", "tenant_id"), ("displaySha256", "display_sha256"), ("kekVersion", "kek_version"),
                      ("deliveredAtEpochMs", "delivered_at_epoch_ms")])
    func propertiesMapToSnakeCaseColumns(_ property: String, _ column: String) {
        #expect(ColumnName.snakeCase(property) == column)
        #expect(ColumnName.snakeCase(property) == column)  // and again, from what it remembered
    }
}
