import DoorstepCore
import Foundation

/// What makes a photo evidence: capture tickets and perceptual hashes for reuse detection.
public protocol EvidenceStore: Sendable {
    /// Stores the ticket while its courier has fewer than `upTo` unused ones issued since `maxUnusedSince`
    /// (counted and inserted atomically); false, and nothing written, otherwise.
    func createCaptureTicket(_ ticket: CaptureTicket, maxUnusedSince: Date, upTo: Int) async throws -> Bool
    func captureTicket(digest: String) async throws -> CaptureTicket?
    /// Tickets issued to the courier since then that no photo has used yet.
    func unusedCaptureTickets(courierID: String, issuedSince: Date) async throws -> Int
    /// The tenant's photos since `since`, of other deliveries than `excludingDeliveryID`, whose
    /// perceptual hash is at most `maxDistance` bits from `hash` (deleted ones too: the hash cannot
    /// show anything, and a reused photo is as suspect after its original was deleted): the
    /// `limit` closest, closest first, ties by photo id.
    func nearPerceptualHashes(
        of hash: UInt64, tenantID: String, since: Date, maxDistance: Int, excludingDeliveryID: String, limit: Int
    ) async throws -> [PerceptualHashRow]
    func reuseMatches(photoID: String) async throws -> [ReuseMatch]
}
