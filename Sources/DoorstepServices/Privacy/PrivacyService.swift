import DoorstepCore
import DoorstepSecurity
import DoorstepStorage
import Foundation
import Logging

/// The privacy mechanisms: who may be photographed, deleting photos now, recipients' choices,
/// the access audit, export and erasure.
public struct PrivacyService: Sendable {
    let store: any PrivacyStore & PhotoStore & AccountStore & CaseStore
    let subjects: SubjectDigest
    let announcer: Announcer
    let vault: PhotoVault
    let audit: AccessAudit
    public let holds: LegalHold
    let effects: Effects

    public init(
        store: any PrivacyStore & PhotoStore & AccountStore & CaseStore, subjects: SubjectDigest, announcer: Announcer,
        vault: PhotoVault, audit: AccessAudit, effects: Effects
    ) {
        holds = LegalHold(store: store, audit: audit)
        self.store = store
        self.subjects = subjects
        self.announcer = announcer
        self.vault = vault
        self.audit = audit
        self.effects = effects
    }

    // MARK: Policy

    public func policy(for delivery: Delivery) async throws -> PhotoPolicy {
        try await policies(for: [delivery])[0]
    }

    /// The policy of each delivery, in order, with one tenant lookup and one choices query per
    /// tenant (a courier's stop list is one tenant): not three queries a stop.
    public func policies(for deliveries: [Delivery]) async throws -> [PhotoPolicy] {
        let recipients = deliveries.map { subjects.subjects(of: RecipientContact($0.recipient), address: $0.address) }
        var policies = [PhotoPolicy?](repeating: nil, count: deliveries.count)
        for tenantID in Set(deliveries.map(\.tenantID)) {
            guard let tenant = try await store.tenant(id: tenantID) else { throw DoorstepError.notFound }
            let indices = deliveries.indices.filter { deliveries[$0].tenantID == tenantID }
            var wanted: [ChoiceScope: Set<String>] = [:]
            for index in indices { for (scope, subject) in recipients[index] { wanted[scope, default: []].insert(subject) } }
            let found = try await store.recipientChoices(tenantID: tenantID, anyOf: wanted)
            for index in indices {
                let choices = recipients[index].reduce(into: [ChoiceScope: RecipientChoice]()) { $0[$1.key] = found[RecipientSubject($1.key, $1.value)] }
                policies[index] = PhotoPolicy.evaluate(mode: tenant.settings.mode(forCountry: deliveries[index].country), choices: choices)
            }
        }
        return policies.map { $0! }
    }

    public func consentMode(for delivery: Delivery) async throws -> ConsentMode {
        guard let tenant = try await store.tenant(id: delivery.tenantID) else { throw DoorstepError.notFound }
        return tenant.settings.mode(forCountry: delivery.country)
    }

    // MARK: Deleting photos

    /// Deletes every photo of the delivery now (each slot's, and the door photos of failed
    /// attempts: photos of the same home) and any proof thumbnail an earlier one left: each
    /// data key is destroyed in the same statement that marks it deleted, then the blobs go.
    /// Whoever asks (the recipient's link, an opt-out, erasure, the tenant), an open case's hold
    /// does not stop it (`LegalHold`). Returns false when there was nothing to delete.
    @discardableResult
    public func deleteCurrentPhoto(of delivery: Delivery, by actor: AccessEvent.Actor, actorID: String?) async throws -> Bool {
        var deleted = false
        // Listed again once the first deletions have committed: a photo of another slot that
        // committed in between would otherwise outlive "delete my photo" (later ones are refused
        // by the upload's own check once a deletion by the recipient is recorded).
        for _ in 0..<3 {
            let live = try await store.photoProofs(deliveryID: delivery.id).filter { $0.deletedAt == nil }
            if live.isEmpty { break }
            for photo in live {
                if try await deletePhoto(photo.photoID, tenantID: delivery.tenantID, deliveryID: delivery.id, reason: PhotoDeletionReason(deletedBy: actor),
                                         action: .delete, by: actor, actorID: actorID) { deleted = true }
            }
        }
        for proof in try await store.proofThumbnails(deliveryID: delivery.id) {
            if try await endProofThumbnail(proof, action: .delete, by: actor, actorID: actorID, dueBy: nil) { deleted = true }
        }
        return deleted
    }

    /// A photo whose time is up while a card dispute may still come (`TenantSettings.disputeWindow`):
    /// it is deleted as any expired photo (its key destroyed, its blobs gone) but its thumbnail,
    /// already redacted and at most 320 px, is first resealed under a key of its own and kept
    /// until `until`. If that cannot be done the photo is deleted outright: retention is never held
    /// up by a proof. True when this call deleted it.
    public func reduceToProof(_ photo: Photo, until: Date, logger: Logger) async throws -> Bool {
        let sealed: (blobKey: String, dataKey: WrappedDataKey)
        do {
            sealed = try await vault.sealProofThumbnail(of: photo, sealID: effects.newID())
        } catch {
            logger.warning("proof thumbnail not kept; the photo is deleted outright", metadata: ["error": "\(error)"])
            return try await deletePhoto(
                photo.id, tenantID: photo.tenantID, deliveryID: photo.deliveryID, reason: .expired, action: .expire, by: .system, actorID: nil)
        }
        let events = [announcer.event(.photoDeleted, tenantID: photo.tenantID, deliveryID: photo.deliveryID, photoID: photo.id)]
        guard let blobs = try await store.reduceToProof(
            id: photo.id, proofKey: sealed.blobKey, dataKey: sealed.dataKey, until: until, at: effects.now(), events: events)
        else {
            await vault.deleteBlobs([sealed.blobKey])
            return false
        }
        await announcer.committed(events)
        await vault.deleteBlobs(blobs)
        try await audit.record(.expire, tenantID: photo.tenantID, deliveryID: photo.deliveryID, photoID: photo.id, by: .system, actorID: nil)
        return true
    }

    /// Ends a proof thumbnail: its window closed by `dueBy` (the sweep, which an open case holds
    /// off), or someone deleted it (`dueBy` nil; recorded as the photo's deletion reason, so a
    /// recipient's "delete" also refuses a retake). True when this call did.
    public func endProofThumbnail(
        _ proof: StoredProofThumbnail, action: AccessEvent.Action, by actor: AccessEvent.Actor, actorID: String?, dueBy: Date?
    ) async throws -> Bool {
        let reason = dueBy == nil ? PhotoDeletionReason(deletedBy: actor) : nil
        guard try await store.endProofThumbnail(photoID: proof.photoID, dueBy: dueBy, reason: reason) else { return false }
        await vault.deleteBlobs([proof.blobKey])
        try await audit.record(action, tenantID: proof.tenantID, deliveryID: proof.deliveryID, photoID: proof.photoID, by: actor, actorID: actorID)
        return true
    }

    /// Returns true when this call deleted it (false: already deleted, e.g. by a concurrent sweep).
    public func deletePhoto(
        _ photoID: String, tenantID: String, deliveryID: String, reason: PhotoDeletionReason, action: AccessEvent.Action,
        by actor: AccessEvent.Actor, actorID: String?
    ) async throws -> Bool {
        let events = [announcer.event(.photoDeleted, tenantID: tenantID, deliveryID: deliveryID, photoID: photoID)]
        guard let blobs = try await store.deletePhoto(id: photoID, reason: reason, at: effects.now(), events: events) else {
            return false
        }
        await announcer.committed(events)
        await vault.deleteBlobs(blobs)
        try await audit.record(action, tenantID: tenantID, deliveryID: deliveryID, photoID: photoID, by: actor, actorID: actorID)
        return true
    }

    /// The tenant's copy of the delivery's photo number `slot` (e.g. for a dispute), recorded in
    /// the access audit that the customer reads.
    public func downloadPhoto(of delivery: Delivery, slot: Int = 1, by actor: AccessEvent.Actor, actorID: String?) async throws -> [UInt8] {
        guard let photo = try await store.currentPhotos(deliveryID: delivery.id).first(where: { $0.slot == slot }) else {
            throw DoorstepError.notFound
        }
        let bytes = try await vault.read(photo, variant: .display)
        try await audit.record(.download, tenantID: delivery.tenantID, deliveryID: delivery.id, photoID: photo.id, by: actor, actorID: actorID)
        return bytes
    }

    // MARK: Recipients' choices

    public struct ChoiceRequest: Sendable {
        public var choice: RecipientChoice?
        /// Apply to every delivery to this street address too, not only this email or number.
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
        let contact = RecipientContact(delivery.recipient)
        let subjects = subjects.subjects(of: contact, address: delivery.address)
        // Under the email and the number alike: the next parcel may come with only one of them.
        var changes = contact.scopes.map { scope, _ in RecipientChoiceChange(scope: scope, subject: subjects[scope]!, choice: request.choice) }
        // A no covers the address only when asked, recorded as this recipient's; a yes or a
        // "clear" lifts an address-wide no only if this recipient set it, never a housemate's.
        let me = contact.scopes.compactMap { scope, _ in subjects[scope] }
        if request.includeAddress || request.choice != .optedOut {
            changes.append(.init(scope: .address, subject: subjects[.address]!, choice: request.choice == .optedOut ? .optedOut : nil, by: me))
        }
        let events = request.choice == .optedOut
            ? [announcer.event(.optedOut, tenantID: delivery.tenantID, deliveryID: delivery.id)] : []
        try await store.setRecipientChoices(changes, tenantID: delivery.tenantID, at: effects.now(), events: events)
        await announcer.committed(events)
        try await audit.record(request.choice == .optedOut ? .optOut : .optIn, tenantID: delivery.tenantID, deliveryID: delivery.id, photoID: nil, by: actor, actorID: nil)
        if request.choice == .optedOut && request.deleteExisting {
            let deliveries = try await store.deliveries(tenantID: delivery.tenantID, contact: contact.mostPersonal)
            for other in deliveries {
                try await deleteCurrentPhoto(of: other, by: actor, actorID: nil)
            }
        }
    }

    public func choices(for delivery: Delivery) async throws -> [ChoiceScope: RecipientChoice] {
        try await store.recipientChoices(
            tenantID: delivery.tenantID, subjects: subjects.subjects(of: RecipientContact(delivery.recipient), address: delivery.address))
    }

    // MARK: Export and erasure

    public struct RecipientExport: Encodable, Sendable {
        public var email: String?
        public var phone: String?
        public var exportedAt: Date
        public var deliveries: [Item]
        public var choices: [String: String]

        public struct ExportedPhoto: Encodable, Sendable {
            public var photoID: String
            public var jpegBase64: String
        }

        public struct Item: Encodable, Sendable {
            public var delivery: Delivery
            public var photos: [PhotoProof]
            /// The current photo as shown to the customer, base64 JPEG, while it exists.
            public var photoJPEGBase64: String?
            /// The delivery's other live photos (further slots, door photos of failed attempts, a
            /// signature), each with its id in `photos`.
            public var morePhotos: [ExportedPhoto]
            /// The proof thumbnails kept for the dispute window, base64 JPEG (redacted, ≤ 320 px).
            public var proofThumbnailsJPEGBase64: [String]
            public var accessEvents: [AccessEvent]
            public var problemReports: [ProblemReport]
            /// What the tenant's staff noted on those cases: it may be about the recipient.
            public var caseNotes: [CaseNote]
        }
    }

    /// Everything held about one recipient of a tenant (data-protection access request): every
    /// delivery to their email or their number.
    public func export(tenantID: String, contact: RecipientContact, by actor: AccessEvent.Actor, actorID: String?) async throws -> RecipientExport {
        let deliveries = try await store.deliveries(tenantID: tenantID, contact: contact)
        var items: [RecipientExport.Item] = []
        var recorded: [String: String] = [:]
        for delivery in deliveries {
            let photo = try await store.currentPhoto(deliveryID: delivery.id)
            let jpeg = try await photo.asyncMap { try await vault.read($0, variant: .display) }
            let proofsOfPhotos = try await store.photoProofs(deliveryID: delivery.id)
            var more: [RecipientExport.ExportedPhoto] = []
            for proof in proofsOfPhotos where proof.deletedAt == nil && proof.photoID != photo?.id {
                // Deleted since the listing (a sweep, the recipient): not in the export, not a failure.
                guard let other = try await store.photo(id: proof.photoID), let bytes = try? await vault.read(other, variant: .display) else { continue }
                more.append(.init(photoID: other.id, jpegBase64: Data(bytes).base64EncodedString()))
            }
            var proofs: [String] = []
            for proof in try await store.proofThumbnails(deliveryID: delivery.id) {
                proofs.append(Data(try await vault.read(proof)).base64EncodedString())
            }
            let reports = try await store.problemReports(deliveryID: delivery.id)
            var notes: [CaseNote] = []
            for report in reports { notes += try await store.caseNotes(caseID: report.id, tenantID: tenantID) }
            items.append(.init(
                delivery: delivery, photos: proofsOfPhotos,
                photoJPEGBase64: jpeg.map { Data($0).base64EncodedString() }, morePhotos: more, proofThumbnailsJPEGBase64: proofs,
                accessEvents: try await store.accessEvents(deliveryID: delivery.id),
                problemReports: reports, caseNotes: notes))
            for (scope, choice) in try await choices(for: delivery) { recorded[scope.rawValue] = choice.rawValue }
            try await audit.record(.export, tenantID: tenantID, deliveryID: delivery.id, photoID: nil, by: actor, actorID: actorID)
        }
        return RecipientExport(email: contact.email, phone: contact.phone, exportedAt: effects.now(), deliveries: items, choices: recorded)
    }

    /// Deletes every photo of the recipient's deliveries and blanks every personal field, keeping
    /// ids, times, proofs and the audit trail. A "no photos" choice is kept (under a keyed digest),
    /// so erasure never turns photos back on. Returns how many deliveries were erased.
    public func erase(tenantID: String, contact: RecipientContact, by actor: AccessEvent.Actor, actorID: String?) async throws -> Int {
        let deliveries = try await store.deliveries(tenantID: tenantID, contact: contact)
        for delivery in deliveries {
            // Erased first: from then on no photo or signature can be recorded for it (both refuse an
            // erased delivery in their transaction), so none committing meanwhile outlives the erasure.
            try await store.eraseRecipientData(deliveryID: delivery.id, at: effects.now())
            try await deleteCurrentPhoto(of: delivery, by: actor, actorID: actorID)
            try await audit.record(.erase, tenantID: tenantID, deliveryID: delivery.id, photoID: nil, by: actor, actorID: actorID)
        }
        return deliveries.count
    }
}
