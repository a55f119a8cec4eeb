import DoorstepCore
import DoorstepSecurity
import DoorstepStorage
import Foundation

/// What a customer holding a signed link may see and do. The link is checked before any lookup,
/// so a forged or expired link costs one HMAC and reveals nothing.
public struct CustomerAccessService: Sendable {
    let store: any DeliveryStore & PhotoStore & PrivacyStore & CaseStore & AccountStore
    let links: CustomerLinks
    let vault: PhotoVault
    let privacy: PrivacyService
    let audit: AccessAudit
    let announcer: Announcer
    let effects: Effects

    public init(
        store: any DeliveryStore & PhotoStore & PrivacyStore & CaseStore & AccountStore, links: CustomerLinks, vault: PhotoVault,
        privacy: PrivacyService, audit: AccessAudit, announcer: Announcer, effects: Effects
    ) {
        self.store = store
        self.links = links
        self.vault = vault
        self.privacy = privacy
        self.audit = audit
        self.announcer = announcer
        self.effects = effects
    }

    public typealias Link = CustomerLinks.Link

    public struct View: Sendable {
        public var delivery: Delivery
        /// The delivery's live photos by slot (the parcel, then where it stands).
        public var photos: [Photo]
        public var photo: Photo? { photos.first }
        /// The last deleted photo, when there is no current one: the page says it was deleted.
        public var deletedPhoto: PhotoProof?
        /// What outlives the photo for the dispute window, while it exists.
        public var proofThumbnail: StoredProofThumbnail?
        /// Who looked at or acted on this delivery's photos, oldest first.
        public var accessLog: [AccessEvent]
        /// The courier's failed attempts, oldest first.
        public var attempts: [DeliveryAttempt]
        /// The door photos of those attempts that still exist (deleted with the photo).
        public var doorPhotos: [PhotoProof]
        /// The recipient's signature, while it exists (deleted with the photos).
        public var signature: PhotoProof?
        /// Handed over against a signature (one was given, kept or since deleted).
        public var signedHandover: Bool
        /// The code to give the courier, where the tenant takes codes.
        public var handoverCode: String?
        /// How the tenant shows itself on the page.
        public var branding: TenantBranding
    }

    /// The delivery behind a link, verified for `purpose`.
    public func delivery(_ link: Link, purpose: LinkSigner.Purpose = .delivery) async throws -> Delivery {
        try links.verify(link, purpose: purpose)
        guard let delivery = try await store.delivery(id: link.deliveryID) else { throw DoorstepError.notFound }
        return delivery
    }

    /// The delivery behind a link and how long the link stays valid from now: what a live stream
    /// opened with it may last.
    public func deliveryAndLifetime(_ link: Link) async throws -> (Delivery, Duration) {
        let delivery = try await delivery(link)
        let remaining = (link.expires.flatMap(TimeInterval.init) ?? 0) - effects.now().timeIntervalSince1970
        return (delivery, .milliseconds(Int64(max(0.001, remaining) * 1000)))
    }

    /// Page views closer together than this count as one visit.
    static let visitGap: TimeInterval = 600

    /// How much of the access log the customer's page shows: the latest entries.
    static let accessLogShown = 50

    public func view(_ link: Link) async throws -> View {
        let delivery = try await delivery(link)
        // A visit is a fact in a dispute ("opened the page an hour after delivery"); the page's own
        // log leaves visits out (it lists what was done to the photo). One row per `visitGap`: a
        // link holder reloading in a loop must not grow the audit table with each request.
        let last = try await store.accessEvents(deliveryID: delivery.id, actions: [.viewPage], latest: 1).last
        if last.map({ effects.now().timeIntervalSince($0.at) >= Self.visitGap }) ?? true {
            try await audit.record(.viewPage, tenantID: delivery.tenantID, deliveryID: delivery.id, photoID: nil, by: .customerLink, actorID: nil)
        }
        let photos = try await store.currentPhotos(deliveryID: delivery.id)
        let proofs = try await store.photoProofs(deliveryID: delivery.id)
        let deleted = photos.isEmpty ? proofs.last(where: { $0.deletedAt != nil && $0.isParcelPhoto }) : nil
        // The latest 50: a photo opened thousands of times must not make the page grow with it.
        let log = try await store.accessEvents(
            deliveryID: delivery.id, actions: [.viewPhoto, .download, .delete, .expire, .export, .hold, .release], latest: Self.accessLogShown)
        return View(delivery: delivery, photos: photos, deletedPhoto: deleted,
                    proofThumbnail: try await store.proofThumbnails(deliveryID: delivery.id).last, accessLog: log,
                    attempts: try await store.attempts(deliveryID: delivery.id),
                    doorPhotos: proofs.filter { $0.isDoorPhoto && $0.deletedAt == nil },
                    signature: proofs.last { $0.kind == .signature && $0.deletedAt == nil },
                    signedHandover: proofs.contains { $0.kind == .signature },
                    handoverCode: try await store.handoverCode(shownFor: delivery),
                    branding: try await branding(for: delivery))
    }

    /// The sender's name, logo, colour and contact, as its customers see them.
    public func branding(for delivery: Delivery) async throws -> TenantBranding {
        try await store.tenant(id: delivery.tenantID)?.branding ?? TenantBranding()
    }

    /// The proof thumbnail's JPEG (the latest, when retakes left several), audited as a view.
    public func proofThumbnailBytes(_ link: Link) async throws -> [UInt8] {
        let delivery = try await delivery(link)
        guard let proof = try await store.proofThumbnails(deliveryID: delivery.id).last else { throw DoorstepError.notFound }
        let bytes = try await vault.read(proof)
        try await audit.record(.viewPhoto, tenantID: delivery.tenantID, deliveryID: delivery.id, photoID: proof.photoID, by: .customerLink, actorID: nil)
        return bytes
    }

    /// The delivery's photo number `slot`, as the page shows it.
    public func photoBytes(_ link: Link, variant: Photo.VariantKind, slot: Int = 1) async throws -> [UInt8] {
        let delivery = try await delivery(link)
        guard let photo = try await store.currentPhotos(deliveryID: delivery.id).first(where: { $0.slot == slot }) else {
            throw DoorstepError.notFound
        }
        let bytes = try await vault.read(photo, variant: variant)
        // The page shows the display image; count that as the view (the thumbnail is for lists).
        if variant == .display {
            try await audit.record(.viewPhoto, tenantID: delivery.tenantID, deliveryID: delivery.id, photoID: photo.id, by: .customerLink, actorID: nil)
        }
        return bytes
    }

    public func deletePhoto(_ link: Link) async throws {
        let delivery = try await delivery(link)
        try await privacy.deleteCurrentPhoto(of: delivery, by: .customerLink, actorID: nil)
    }

    /// The recipient's safe place or neighbour (nil `kind`: no instructions), before delivery
    /// only: the courier's stop shows it from their next refresh.
    public func chooseDrop(_ link: Link, kind: DropChoice.Kind?, details: String) async throws {
        let delivery = try await delivery(link)
        let choice = try kind.map { kind throws(DoorstepError) in
            // Which place or which neighbour: a choice without it tells the courier nothing.
            DropChoice(kind: kind, details: try DropChoice.details(details), chosenAt: effects.now())
        }
        guard try await store.setDropChoice(deliveryID: delivery.id, choice) != nil else {
            throw DoorstepError.conflict(reason: "the parcel has already been delivered")
        }
    }

    /// Records the customer's report and tells the tenant (webhook `delivery.problem_reported`).
    /// Open reports a delivery may have at once: anyone holding the link can write one, and each
    /// reaches the tenant's staff.
    public static let maxOpenReports = 5

    public func reportProblem(_ link: Link, kind: ProblemReport.Kind, details: String) async throws {
        let delivery = try await delivery(link)
        let report = ProblemReport(
            id: effects.newID(), tenantID: delivery.tenantID, deliveryID: delivery.id, kind: kind,
            details: try Validate.text(details, field: "details", max: 2000, allowEmpty: true), createdAt: effects.now())
        let events = [announcer.event(.problemReported, tenantID: delivery.tenantID, deliveryID: delivery.id)]
        guard try await store.addProblemReport(report, events: events, maxOpen: Self.maxOpenReports) else {
            throw DoorstepError.limitReached(resource: "open problem reports per delivery", limit: Self.maxOpenReports)
        }
        await announcer.committed(events)
        await privacy.holds.caseOpened(on: delivery)
    }
}
