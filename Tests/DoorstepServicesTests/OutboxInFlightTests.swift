import DoorstepCore
import Foundation
import Testing

@testable import DoorstepServices

/// The outbox worker's bookkeeping of sends under way: a tenant at its cap of webhook sends is
/// named to the claim (so its webhooks are skipped) and refused a further one; emails and SMS
/// never count against a tenant; a finished send frees its place.
@Suite struct OutboxInFlightTests {
    func message(_ tenant: String, _ channel: OutboxMessage.Channel) -> OutboxMessage {
        let event = OutboxEvent(id: UUID().uuidString, tenantID: tenant, type: .delivered, deliveryID: nil, photoID: nil, occurredAt: Date())
        return OutboxMessage(id: UUID().uuidString, event: event, channel: channel, endpointID: channel == .webhook ? "e" : nil,
                             state: .pending, attempts: 1, nextAttemptAt: Date(), lastError: nil, sentAt: nil)
    }

    @Test func aTenantHoldsAtMostItsCapOfWebhookSends() {
        let inFlight = InFlight()
        let first = message("slow", .webhook), second = message("slow", .webhook)
        #expect(inFlight.start(first, webhooksPerTenant: 2) && inFlight.start(second, webhooksPerTenant: 2))
        #expect(inFlight.tenantsAtCap(2) == ["slow"])
        #expect(!inFlight.start(message("slow", .webhook), webhooksPerTenant: 2), "a third webhook of the same tenant waits")
        #expect(inFlight.start(message("slow", .email), webhooksPerTenant: 2), "its recipients' emails do not")
        #expect(inFlight.start(message("other", .webhook), webhooksPerTenant: 2), "nor another tenant's webhooks")
        #expect(inFlight.count == 4)
        inFlight.finish(first)
        #expect(inFlight.tenantsAtCap(2).isEmpty && inFlight.count == 3)
        #expect(inFlight.start(message("slow", .webhook), webhooksPerTenant: 2))
    }
}
