import DoorstepCore
import Foundation
import Testing

@testable import DoorstepStorage

/// The privacy half of the store contract.
@Suite struct PrivacyStoreContractTests {
    @Test(arguments: StoreEngine.allCases)
    func deletingAPhotoDestroysItsKeyOnceAndKeepsItsProof(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let (courier, delivery) = try await seed.assignedDelivery()
            let photo = seed.photo(for: delivery, courier: courier)
            _ = try await seed.store.recordPhoto(photo, idempotency: nil, events: [])
            #expect(try await seed.store.kekVersionsInUse() == [1])
            let blobs = try await seed.store.deletePhoto(id: photo.id, reason: .customerLink, at: seed.clock, events: [])
            #expect(blobs == [photo.display.blobKey, photo.thumbnail.blobKey])
            #expect(try await seed.store.deletePhoto(id: photo.id, reason: .customerLink, at: seed.clock, events: []) == nil)
            #expect(try await seed.store.photo(id: photo.id) == nil)
            #expect(try await seed.store.photoKeys(notWrappedBy: 0, limit: 10).isEmpty)
            #expect(try await seed.store.kekVersionsInUse().isEmpty)
            let proof = try #require(try await seed.store.photoProofs(deliveryID: delivery.id).first)
            #expect(proof.photoID == photo.id && proof.sha256 == photo.display.sha256 && proof.deletedReason == .customerLink)
        }
    }

    @Test(arguments: StoreEngine.allCases)
    func expiredPhotosAreFoundByTheirExpiry(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let (courier, delivery) = try await seed.assignedDelivery()
            let photo = seed.photo(for: delivery, courier: courier)
            _ = try await seed.store.recordPhoto(photo, idempotency: nil, events: [])
            #expect(try await seed.store.expiredPhotoIDs(now: photo.expiresAt.addingTimeInterval(-1), limit: 10).isEmpty)
            #expect(try await seed.store.expiredPhotoIDs(now: photo.expiresAt, limit: 10) == [photo.id])
        }
    }

    @Test(arguments: StoreEngine.allCases)
    func rewrappingSwapsAKeyOnlyIfItIsUnchanged(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let (courier, delivery) = try await seed.assignedDelivery()
            let photo = seed.photo(for: delivery, courier: courier)
            _ = try await seed.store.recordPhoto(photo, idempotency: nil, events: [])
            let listed = try await seed.store.photoKeys(notWrappedBy: 2, limit: 10)
            #expect(listed.map(\.photoID) == [photo.id] && listed.first?.key == photo.dataKey)
            let new = WrappedDataKey(kekVersion: 2, sealed: "new")
            #expect(try await seed.store.replacePhotoKey(photoID: photo.id, old: photo.dataKey, new: new))
            #expect(try await !seed.store.replacePhotoKey(photoID: photo.id, old: photo.dataKey, new: new))
            #expect(try await seed.store.photo(id: photo.id)?.dataKey == new)
            #expect(try await seed.store.photoKeys(notWrappedBy: 2, limit: 10).isEmpty)
        }
    }

    @Test(arguments: StoreEngine.allCases)
    func recipientChoicesAreSetChangedAndCleared(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let tenant = try await seed.tenant()
            let subjects: [ChoiceScope: String] = [.email: "e1", .address: "a1"]
            #expect(try await seed.store.recipientChoices(tenantID: tenant.id, subjects: subjects).isEmpty)
            try await seed.store.setRecipientChoices(
                [.init(scope: .email, subject: "e1", choice: .optedOut), .init(scope: .address, subject: "a1", choice: .optedOut)],
                tenantID: tenant.id, at: seed.clock, events: [])
            try await seed.store.setRecipientChoices([.init(scope: .email, subject: "e1", choice: .optedIn)], tenantID: tenant.id, at: seed.clock, events: [])
            #expect(try await seed.store.recipientChoices(tenantID: tenant.id, subjects: subjects) == [.email: .optedIn, .address: .optedOut])
            // A clearing made by someone removes only a choice they set.
            try await seed.store.setRecipientChoices([.init(scope: .address, subject: "a2", choice: .optedOut, by: ["e9"])],
                                                     tenantID: tenant.id, at: seed.clock, events: [])
            try await seed.store.setRecipientChoices([.init(scope: .address, subject: "a2", choice: nil, by: ["e1", "p1"])],
                                                     tenantID: tenant.id, at: seed.clock, events: [])
            #expect(try await seed.store.recipientChoices(tenantID: tenant.id, anyOf: [.address: ["a2"]]) == [RecipientSubject(.address, "a2"): .optedOut])
            try await seed.store.setRecipientChoices([.init(scope: .address, subject: "a2", choice: nil, by: ["p9", "e9"])],
                                                     tenantID: tenant.id, at: seed.clock, events: [])
            #expect(try await seed.store.recipientChoices(tenantID: tenant.id, anyOf: [.address: ["a2"]]).isEmpty)
            try await seed.store.setRecipientChoices([.init(scope: .address, subject: "a1", choice: nil)], tenantID: tenant.id, at: seed.clock, events: [])
            #expect(try await seed.store.recipientChoices(tenantID: tenant.id, subjects: subjects) == [.email: .optedIn])
            let other = try await seed.tenant("Other")
            #expect(try await seed.store.recipientChoices(tenantID: other.id, subjects: subjects).isEmpty)
        }
    }

    @Test(arguments: StoreEngine.allCases)
    func manyRecipientsChoicesComeInOneLookup(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let tenant = try await seed.tenant()
            try await seed.store.setRecipientChoices(
                [.init(scope: .email, subject: "e1", choice: .optedOut), .init(scope: .email, subject: "e2", choice: .optedIn),
                 .init(scope: .address, subject: "a3", choice: .optedOut), .init(scope: .address, subject: "e3", choice: .optedOut)],
                tenantID: tenant.id, at: seed.clock, events: [])
            let found = try await seed.store.recipientChoices(
                tenantID: tenant.id, anyOf: [.email: ["e1", "e2", "e3", "e4"], .address: ["a1", "a3"]])
            // "e3" is stored under the address scope only: asked for as an email, it is not a match.
            #expect(found == [RecipientSubject(.email, "e1"): .optedOut, RecipientSubject(.email, "e2"): .optedIn,
                              RecipientSubject(.address, "a3"): .optedOut])
            #expect(try await seed.store.recipientChoices(tenantID: tenant.id, anyOf: [:]).isEmpty)
        }
    }

    @Test(arguments: StoreEngine.allCases)
    func settingsAuditAndErasure(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let (courier, delivery) = try await seed.assignedDelivery()
            let settings = TenantSettings(retention: 7200, consentModes: ["FR": .optIn, "*": .optOut])
            try await seed.store.updateSettings(settings, tenantID: delivery.tenantID)
            #expect(try await seed.store.tenant(id: delivery.tenantID)?.settings == settings)

            let event = AccessEvent(id: Seed.id(), tenantID: delivery.tenantID, deliveryID: delivery.id, photoID: nil,
                                    actor: .apiKey, actorID: "dsk_abc", action: .download, at: seed.clock)
            try await seed.store.recordAccess(event)
            #expect(try await seed.store.accessEvents(deliveryID: delivery.id) == [event])
            #expect(try await seed.store.accessEvents(tenantID: delivery.tenantID, limit: 10) == [event])
            // The latest few of the wanted actions only, oldest first.
            let views = (1...5).map { index in
                AccessEvent(id: Seed.id(), tenantID: delivery.tenantID, deliveryID: delivery.id, photoID: nil, actor: .customerLink,
                            actorID: nil, action: index == 3 ? .viewPage : .viewPhoto, at: seed.clock.addingTimeInterval(Double(index)))
            }
            for view in views { try await seed.store.recordAccess(view) }
            #expect(try await seed.store.accessEvents(deliveryID: delivery.id, actions: [.viewPhoto, .download], latest: 3) == [views[1], views[3], views[4]])
            #expect(try await seed.store.accessEvents(deliveryID: delivery.id, actions: [], latest: 3).isEmpty)

            _ = try await seed.store.recordPhoto(seed.photo(for: delivery, courier: courier), idempotency: nil, events: [])
            // A recipient is found by email or by number: by text alone (no email), or by both.
            let tenant = try #require(try await seed.store.tenant(id: delivery.tenantID))
            let byText = try await seed.delivery(tenant, at: seed.clock.addingTimeInterval(1),
                                                 recipient: Recipient(name: "Ann", email: "", language: .fr, phone: "+33612345678"))
            let byBoth = try await seed.delivery(tenant, at: seed.clock.addingTimeInterval(2),
                                                 recipient: Recipient(name: "Ann", email: "ann@example.com", language: .fr, phone: "+33612345678"))
            func found(_ email: String?, _ phone: String?) async throws -> [String] {
                try await seed.store.deliveries(tenantID: delivery.tenantID, contact: try RecipientContact(email: email, phone: phone)).map(\.id)
            }
            #expect(try await found("ann@example.com", nil) == [delivery.id, byBoth.id])
            #expect(try await found(nil, "+33612345678") == [byText.id, byBoth.id])
            #expect(try await found("ann@example.com", "+33612345678") == [delivery.id, byText.id, byBoth.id])
            #expect(try await found("bob@example.com", "+33700000000").isEmpty)
            try await seed.store.eraseRecipientData(deliveryID: delivery.id, at: seed.clock)
            // An erased row's blank email is nobody's: a search by number alone never finds it.
            #expect(try await found(nil, "+33612345678") == [byText.id, byBoth.id])
            let erased = try #require(try await seed.store.delivery(id: delivery.id))
            #expect(erased.recipient.name.isEmpty && erased.recipient.email.isEmpty && erased.address.isEmpty)
            #expect(erased.location.latitude == 0 && erased.note == nil)
            let photo = try #require(try await seed.store.currentPhoto(deliveryID: delivery.id))
            #expect(photo.devicePosition == nil && photo.note == nil)
        }
    }
}
