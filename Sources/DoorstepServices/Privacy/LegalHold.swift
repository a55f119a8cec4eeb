import DoorstepCore
import DoorstepStorage
import Foundation
import Logging

/// An open case holds its delivery's photo and proof thumbnail past their time (the sweeps skip
/// them, `SQLMetadataStore.notHeld`); resolving the last open case releases them. This records
/// both moments in the access audit the recipient reads, naming what is held.
///
/// A held photo is still deleted when its recipient asks ("delete now", an opt-out, erasure):
/// GDPR Art. 17(3)(e) would let the shop refuse erasure of data needed for a legal claim, but it
/// is an exemption the controller may invoke, not a duty, and the facts a dispute needs (receipt,
/// hashes, verdicts, timeline) outlive the pixels anyway.
///
/// The lines are written after the case's own commit: the case stands (and holds) even if its
/// line cannot be written, so a failure is logged rather than turned into an error for a request
/// whose change is already made.
public struct LegalHold: Sendable {
    let store: any PhotoStore & CaseStore
    let audit: AccessAudit
    let logger = Logger(label: "doorstep.legal-hold")

    public init(store: any PhotoStore & CaseStore, audit: AccessAudit) {
        self.store = store
        self.audit = audit
    }

    /// A case was opened on the delivery: a hold starts if it is the only open one and there is
    /// something to hold.
    func caseOpened(on delivery: Delivery) async {
        await record(.hold, on: delivery, whenOpenCases: 1)
    }

    /// A case was resolved: the hold ends when no other case of the delivery is open.
    func caseResolved(on delivery: Delivery) async {
        await record(.release, on: delivery, whenOpenCases: 0)
    }

    private func record(_ action: AccessEvent.Action, on delivery: Delivery, whenOpenCases count: Int) async {
        do {
            guard try await openCases(delivery) == count, let held = try await heldPhotoID(delivery) else { return }
            try await audit.record(action, tenantID: delivery.tenantID, deliveryID: delivery.id, photoID: held, by: .system, actorID: nil)
        } catch {
            logger.error("legal hold not recorded in the access audit", metadata: ["action": "\(action.rawValue)", "error": "\(error)"])
        }
    }

    private func openCases(_ delivery: Delivery) async throws -> Int {
        try await store.problemReports(deliveryID: delivery.id).filter(\.isOpen).count
    }

    /// The live photo, else the latest live proof thumbnail's photo.
    private func heldPhotoID(_ delivery: Delivery) async throws -> String? {
        if let photo = try await store.currentPhoto(deliveryID: delivery.id) { return photo.id }
        return try await store.proofThumbnails(deliveryID: delivery.id).last?.photoID
    }
}
