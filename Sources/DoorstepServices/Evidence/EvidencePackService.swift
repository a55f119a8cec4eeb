import DoorstepCore
import DoorstepDocuments
import DoorstepStorage
import Foundation

/// The evidence pack of a delivery: one PDF a payment processor accepts (the photo as its own
/// JPEG bytes, the verdicts in words, the timeline with each visit of the recipient, their reports,
/// the signed receipt and how to verify it) and, beside it, the same facts mapped to what Stripe,
/// PayPal and Braintree ask (`ProcessorEvidence`).
public struct EvidencePackService: Sendable {
    /// The recipient's latest visits listed one by one (about two pages); older ones are said to
    /// exist. With the caps below the pack stays within the processors' 19 pages whatever a link
    /// holder or a courier does (about 4 pages of reports, 3 of photos at most).
    static let visitsListed = 100
    /// The latest reports listed, each cut to `EvidencePackDocument.reportExcerpt` characters.
    static let reportsListed = 20
    /// The latest photos listed (retakes replace one another; the current ones, up to three, and
    /// the latest door photos of attempts have pixels).
    static let photosListed = 8
    static let doorPhotosShown = 2

    let store: any DeliveryStore & PhotoStore & CaseStore & PrivacyStore & EvidenceStore
    let evidence: EvidenceService
    let vault: PhotoVault
    let audit: AccessAudit
    /// PDF rendering (Pango, cairo, a JPEG decode) is blocking work: a thread of its own, a short queue.
    let pool: BlockingWorkPool
    let keySetURL: String
    let effects: Effects

    public init(
        store: any DeliveryStore & PhotoStore & CaseStore & PrivacyStore & EvidenceStore, evidence: EvidenceService, vault: PhotoVault, audit: AccessAudit,
        pool: BlockingWorkPool, baseURL: String, effects: Effects
    ) {
        self.store = store
        self.evidence = evidence
        self.vault = vault
        self.audit = audit
        self.pool = pool
        keySetURL = baseURL + "/.well-known/jwks.json"
        self.effects = effects
    }

    public struct Pack: Sendable {
        public var pdf: [UInt8]
        public var pages: Int
        public var fileName: String
    }

    /// The PDF in `language` (the recipient's when nil). Reading a photo or proof thumbnail into
    /// it is a download by `actor`, and each is audited as one.
    public func pdf(
        for delivery: Delivery, tenant: Tenant, language: Language?, by actor: AccessEvent.Actor, actorID: String?
    ) async throws -> Pack {
        let facts = try await facts(for: delivery, tenant: tenant, withPhoto: true)
        let document = EvidencePackDocument(facts: facts, strings: Strings.forLanguage(language ?? delivery.recipient.language))
        let rendered = try await pool.run { try document.render() }
        for shown in facts.photos where shown.jpeg != nil {
            try await audit.record(.download, tenantID: tenant.id, deliveryID: delivery.id, photoID: shown.proof.photoID, by: actor, actorID: actorID)
        }
        return Pack(pdf: rendered.pdf, pages: rendered.pages, fileName: Self.fileName(delivery))
    }

    /// The processors' mapping, with `path` naming where the PDF of the same language is.
    public func mapping(for delivery: Delivery, tenant: Tenant, language: Language?, pdfPath: String) async throws -> ProcessorEvidence {
        let facts = try await facts(for: delivery, tenant: tenant, withPhoto: false)
        let language = language ?? delivery.recipient.language
        let document = EvidencePackDocument(facts: facts, strings: Strings.forLanguage(language))
        return ProcessorEvidence(facts, summary: document.summary, language: language, fileName: Self.fileName(delivery), path: pdfPath)
    }

    func facts(for delivery: Delivery, tenant: Tenant, withPhoto: Bool) async throws -> EvidenceFacts {
        // Every live photo (up to three slots, a signature) is listed whatever else there is; the
        // latest other records (retakes, door photos, expired ones) fill the rest.
        let all = try await store.photoProofs(deliveryID: delivery.id)
        let pinned = Set(all.filter { $0.deletedAt == nil && !$0.isDoorPhoto }.map(\.photoID))
        let filling = all.filter { !pinned.contains($0.photoID) }.suffix(max(0, Self.photosListed - pinned.count)).map(\.photoID)
        let proofs = all.filter { pinned.contains($0.photoID) || filling.contains($0.photoID) }
        let current = withPhoto ? try await store.currentPhotos(deliveryID: delivery.id) : []
        let kept = withPhoto ? try await store.proofThumbnails(deliveryID: delivery.id) : []
        // The latest two door photos of attempts have pixels, so ten attempts cannot push the pack
        // past its pages; the others are listed with their facts.
        let doorsShown = Set(proofs.filter { $0.isDoorPhoto && $0.deletedAt == nil }.suffix(Self.doorPhotosShown).map(\.photoID))
        var photos: [EvidenceFacts.PhotoEvidence] = []
        for proof in proofs {
            // Each of the delivery's photos while it exists; after it, its proof thumbnail for the dispute window.
            // Either may be deleted between the listing and the read (a recipient's delete, a
            // sweep): the pack then shows it as gone rather than failing.
            var jpeg: [UInt8]?
            if let live = current.first(where: { $0.id == proof.photoID }) {
                jpeg = try? await vault.read(live, variant: .display)
            } else if withPhoto, doorsShown.contains(proof.photoID) || proof.kind == .signature, let other = try await store.photo(id: proof.photoID) {
                jpeg = try? await vault.read(other, variant: .display)
            } else if let thumbnail = kept.first(where: { $0.photoID == proof.photoID }) {
                jpeg = try? await vault.read(thumbnail)
            }
            photos.append(.init(proof: proof, jpeg: jpeg, reuse: try await store.reuseMatches(photoID: proof.photoID)))
        }
        // The actions only a link holder takes (the tenant's and operators' reads are downloads, so
        // rendering packs never pushes the recipient's visits out of the window).
        let accesses = try await store.accessEvents(deliveryID: delivery.id, actions: [.viewPage, .viewPhoto, .delete], latest: Self.visitsListed + 1)
        let visits = accesses.filter { $0.actor == .customerLink }.suffix(Self.visitsListed)
        let allReports = try await store.problemReports(deliveryID: delivery.id)
        let reports = Array(allReports.suffix(Self.reportsListed))

        let attempts = try await store.attempts(deliveryID: delivery.id)
        var timeline = [EvidenceFacts.TimelineEntry(at: delivery.createdAt, kind: .created)]
        if let at = delivery.outForDeliveryAt { timeline.append(.init(at: at, kind: .outForDelivery)) }
        timeline += attempts.map { .init(at: $0.at, kind: .attempt) }
        timeline += proofs.filter { $0.isParcelPhoto }.map { .init(at: $0.uploadedAt, kind: .photo) }
        if let at = delivery.deliveredAt { timeline.append(.init(at: at, kind: .delivered)) }
        timeline += visits.compactMap { event in EvidenceFacts.TimelineEntry.Kind(rawValue: event.action.rawValue).map { .init(at: event.at, kind: $0) } }
        timeline += reports.map { .init(at: $0.createdAt, kind: .report) }
        timeline += reports.compactMap { report in report.resolvedAt.map { .init(at: $0, kind: .resolved) } }
        // Stable for equal times: registration, on board, photo, delivery, then the recipient's steps.
        timeline = timeline.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)

        return EvidenceFacts(
            tenant: tenant, delivery: delivery, photos: photos, attempts: attempts, timeline: timeline, visitsTruncated: accesses.count > Self.visitsListed,
            reports: reports, openReports: allReports.filter(\.isOpen).count, receipt: try await evidence.receipt(for: delivery), keySetURL: keySetURL, generatedAt: effects.now())
    }

    /// `proof-of-delivery-<order>.pdf`, the order reference kept to characters every file system
    /// and processor's upload form takes.
    static func fileName(_ delivery: Delivery) -> String {
        let safe = String(delivery.orderReference.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)) }.prefix(64))
        return "proof-of-delivery-" + (safe.isEmpty ? delivery.id : safe) + ".pdf"
    }
}
