import DoorstepCore
import DoorstepSecurity
import DoorstepStorage
import Foundation

/// The privacy mechanisms: who may be photographed, deleting photos now, recipients' choices,
/// the access audit, export and erasure.
public struct PrivacyService: Sendable {
    let dependencies: AppDependencies

    // MARK: Policy

    public func policy(for delivery: Delivery) async throws -> PhotoPolicy {
        try await policies(for: [delivery])[0]
    }

    /// The policy of each delivery, in order, with one tenant lookup and one choices query per
    /// tenant (a courier's stop list is one tenant): not three queries a stop.
    public func policies(for deliveries: [Delivery]) async throws -> [PhotoPolicy] {
        let subjects = deliveries.map { dependencies.subjects.subjects(email: $0.recipient.email, address: $0.address) }
        var policies = [PhotoPolicy?](repeating: nil, count: deliveries.count)
        for tenantID in Set(deliveries.map(\.tenantID)) {
            guard let tenant = try await dependencies.store.tenant(id: tenantID) else { throw DoorstepError.notFound }
            let indices = deliveries.indices.filter { deliveries[$0].tenantID == tenantID }
            var wanted: [ChoiceScope: Set<String>] = [:]
            for index in indices { for (scope, subject) in subjects[index] { wanted[scope, default: []].insert(subject) } }
            let found = try await dependencies.store.recipientChoices(tenantID: tenantID, anyOf: wanted)
            for index in indices {
                let choices = subjects[index].reduce(into: [ChoiceScope: RecipientChoice]()) { $0[$1.key] = found[RecipientSubject($1.key, $1.value)] }
                policies[index] = PhotoPolicy.evaluate(mode: tenant.settings.mode(forCountry: deliveries[index].country), choices: choices)
            }
        }
        return policies.map { $0! }
    }

    public func consentMode(for delivery: Delivery) async throws -> ConsentMode {
        guard let tenant = try await dependencies.store.tenant(id: delivery.tenantID) else { throw DoorstepError.notFound }
        return tenant.settings.mode(forCountry: delivery.country)
    }

    // MARK: Deleting photos

    /// Deletes the delivery's current photo now: its data key is destroyed in the same statement
    /// that marks it deleted, then its blobs go. Returns false when there was none.
    @discardableResult
    public func deleteCurrentPhoto(of delivery: Delivery, by actor: AccessEvent.Actor, actorID: String?) async throws -> Bool {
        guard let photo = try await dependencies.store.currentPhoto(deliveryID: delivery.id) else { return false }
        return try await deletePhoto(photo.id, tenantID: delivery.tenantID, deliveryID: delivery.id, reason: actor.rawValue,
                                     action: .delete, by: actor, actorID: actorID)
    }

    /// Returns true when this call deleted it (false: already deleted, e.g. by a concurrent sweep).
    func deletePhoto(
        _ photoID: String, tenantID: String, deliveryID: String, reason: String, action: AccessEvent.Action,
        by actor: AccessEvent.Actor, actorID: String?
    ) async throws -> Bool {
        let events = [dependencies.announcer.event(.photoDeleted, tenantID: tenantID, deliveryID: deliveryID, photoID: photoID)]
        guard let blobs = try await dependencies.store.deletePhoto(id: photoID, reason: reason, at: dependencies.effects.now(), events: events) else {
            return false
        }
        await dependencies.announcer.committed(events)
        await dependencies.vault.deleteBlobs(blobs)
        try await audit(action, tenantID: tenantID, deliveryID: deliveryID, photoID: photoID, by: actor, actorID: actorID)
        return true
    }

    // MARK: Recipients' choices

    public struct ChoiceRequest: Sendable {
        public var choice: RecipientChoice?
        /// Apply to every delivery to this street address too, not only this email.
        public var includeAddress: Bool
        /// With an opt-out: delete the photos that already exist of this recipient's deliveries.
        public var deleteExisting: Bool

        public init(choice: RecipientChoice?, includeAddress: Bool = false, deleteExisting: Bool = false) {
            self.choice = choice
            self.includeAddress = includeAddress
            self.deleteExisting = deleteExisting
        }
    }

    /// Records what the recipient of `delivery` said, effective at once everywhere.
    public func setChoice(_ request: ChoiceRequest, for delivery: Delivery, by actor: AccessEvent.Actor) async throws {
        let subjects = dependencies.subjects.subjects(email: delivery.recipient.email, address: delivery.address)
        var changes = [RecipientChoiceChange(scope: .email, subject: subjects[.email]!, choice: request.choice)]
        // A yes or a "clear" also lifts an address-wide no this recipient set; a no covers the
        // address only when asked.
        if request.includeAddress || request.choice != .optedOut {
            changes.append(.init(scope: .address, subject: subjects[.address]!, choice: request.choice == .optedOut ? .optedOut : nil))
        }
        let events = request.choice == .optedOut
            ? [dependencies.announcer.event(.optedOut, tenantID: delivery.tenantID, deliveryID: delivery.id)] : []
        try await dependencies.store.setRecipientChoices(changes, tenantID: delivery.tenantID, at: dependencies.effects.now(), events: events)
        await dependencies.announcer.committed(events)
        try await audit(request.choice == .optedOut ? .optOut : .optIn, tenantID: delivery.tenantID, deliveryID: delivery.id, photoID: nil, by: actor, actorID: nil)
        if request.choice == .optedOut && request.deleteExisting {
            let deliveries = try await dependencies.store.deliveries(tenantID: delivery.tenantID, recipientEmail: delivery.recipient.email)
            for other in deliveries {
                try await deleteCurrentPhoto(of: other, by: actor, actorID: nil)
            }
        }
    }

    public func choices(for delivery: Delivery) async throws -> [ChoiceScope: RecipientChoice] {
        try await dependencies.store.recipientChoices(
            tenantID: delivery.tenantID, subjects: dependencies.subjects.subjects(email: delivery.recipient.email, address: delivery.address))
    }

    // MARK: Audit

    public func audit(
        _ action: AccessEvent.Action, tenantID: String, deliveryID: String?, photoID: String?, by actor: AccessEvent.Actor, actorID: String?
    ) async throws {
        try await dependencies.store.recordAccess(
            accessEvent(action, tenantID: tenantID, deliveryID: deliveryID, photoID: photoID, by: actor, actorID: actorID))
    }

    /// The access-log entry for an action taken now, for a caller that records it in its own transaction.
    public func accessEvent(
        _ action: AccessEvent.Action, tenantID: String, deliveryID: String?, photoID: String?, by actor: AccessEvent.Actor, actorID: String?
    ) -> AccessEvent {
        AccessEvent(
            id: dependencies.effects.newID(), tenantID: tenantID, deliveryID: deliveryID, photoID: photoID,
            actor: actor, actorID: actorID, action: action, at: dependencies.effects.now())
    }

    // MARK: Export and erasure

    public struct RecipientExport: Encodable, Sendable {
        public var email: String
        public var exportedAt: Date
        public var deliveries: [Item]
        public var choices: [String: String]

        public struct Item: Encodable, Sendable {
            public var delivery: Delivery
            public var photos: [PhotoProof]
            /// The current photo as shown to the customer, base64 JPEG, while it exists.
            public var photoJPEGBase64: String?
            public var accessEvents: [AccessEvent]
            public var problemReports: [ProblemReport]
        }
    }

    /// Everything held about one recipient of a tenant (data-protection access request).
    public func export(tenantID: String, email: String, by actor: AccessEvent.Actor, actorID: String?) async throws -> RecipientExport {
        let email = try Validate.email(email)
        let deliveries = try await dependencies.store.deliveries(tenantID: tenantID, recipientEmail: email)
        var items: [RecipientExport.Item] = []
        var recorded: [String: String] = [:]
        for delivery in deliveries {
            let photo = try await dependencies.store.currentPhoto(deliveryID: delivery.id)
            let jpeg = try await photo.asyncMap { try await dependencies.vault.read($0, variant: .display) }
            items.append(.init(
                delivery: delivery, photos: try await dependencies.store.photoProofs(deliveryID: delivery.id),
                photoJPEGBase64: jpeg.map { Data($0).base64EncodedString() },
                accessEvents: try await dependencies.store.accessEvents(deliveryID: delivery.id),
                problemReports: try await dependencies.store.problemReports(deliveryID: delivery.id)))
            for (scope, choice) in try await choices(for: delivery) { recorded[scope.rawValue] = choice.rawValue }
            try await audit(.export, tenantID: tenantID, deliveryID: delivery.id, photoID: nil, by: actor, actorID: actorID)
        }
        return RecipientExport(email: email, exportedAt: dependencies.effects.now(), deliveries: items, choices: recorded)
    }

    /// Deletes every photo of the recipient's deliveries and blanks every personal field, keeping
    /// ids, times, proofs and the audit trail. A "no photos" choice is kept (under a keyed digest),
    /// so erasure never turns photos back on. Returns how many deliveries were erased.
    public func erase(tenantID: String, email: String, by actor: AccessEvent.Actor, actorID: String?) async throws -> Int {
        let email = try Validate.email(email)
        let deliveries = try await dependencies.store.deliveries(tenantID: tenantID, recipientEmail: email)
        for delivery in deliveries {
            try await deleteCurrentPhoto(of: delivery, by: actor, actorID: actorID)
            try await dependencies.store.eraseRecipientData(deliveryID: delivery.id, at: dependencies.effects.now())
            try await audit(.erase, tenantID: tenantID, deliveryID: delivery.id, photoID: nil, by: actor, actorID: actorID)
        }
        return deliveries.count
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
