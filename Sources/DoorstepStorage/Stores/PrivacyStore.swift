import DoorstepCore
import Foundation

/// The access audit, recipients' choices, and what a data-protection request reaches.
public protocol PrivacyStore: Sendable {
    func recordAccess(_ event: AccessEvent) async throws
    func accessEvents(deliveryID: String) async throws -> [AccessEvent]
    /// The latest `limit` events of a delivery with one of `actions`, oldest first (what a page
    /// shows: bounded however often the photo was looked at).
    func accessEvents(deliveryID: String, actions: [AccessEvent.Action], latest limit: Int) async throws -> [AccessEvent]
    func accessEvents(tenantID: String?, limit: Int) async throws -> [AccessEvent]
    /// Sets (or with a nil choice clears) a recipient's choices and enqueues `events`, in one
    /// transaction. Subjects are keyed digests, never emails.
    func setRecipientChoices(_ changes: [RecipientChoiceChange], tenantID: String, at: Date, events: [OutboxEvent]) async throws
    /// The choices stored for any of `subjects` (digests per scope), in one query: a courier's
    /// whole stop list is answered at once.
    func recipientChoices(tenantID: String, anyOf subjects: [ChoiceScope: Set<String>]) async throws -> [RecipientSubject: RecipientChoice]
    /// Every delivery to the contact's email or to its number, oldest first.
    func deliveries(tenantID: String, contact: RecipientContact) async throws -> [Delivery]
    /// Blanks every personal field of a delivery and its photos' rows (not their proofs).
    func eraseRecipientData(deliveryID: String, at: Date) async throws
}
