import AsyncHTTPClient
import DoorstepCore
import DoorstepNotify
import DoorstepSecurity
import DoorstepStorage
import Foundation
import NIOCore
import NIOHTTP1

/// Webhook deliveries: a JSON body of ids and links (never photo bytes), signed per Standard
/// Webhooks with the endpoint's secret (and the previous one during a rotation).
public struct WebhookChannel: Sendable {
    let store: any WebhookStore & DeliveryStore
    let links: CustomerLinks
    /// For the whole exchange: connecting, sending, and reading the answer to its end.
    let timeout: TimeInterval
    let targets: WebhookTargetPolicy
    /// A client of its own that never follows a redirect (a 3xx could point anywhere).
    let client: HTTPClient
    /// Opens the endpoints' signing secrets, stored sealed under the key ring.
    let keys: KeyRingStore
    let effects: Effects

    public init(
        store: any WebhookStore & DeliveryStore, links: CustomerLinks, timeout: TimeInterval, targets: WebhookTargetPolicy,
        client: HTTPClient, keys: KeyRingStore, effects: Effects
    ) {
        self.store = store
        self.keys = keys
        self.links = links
        self.timeout = timeout
        self.targets = targets
        self.client = client
        self.effects = effects
    }

    /// The client webhooks need: it never follows a redirect, and keeps no idle connection past
    /// a minute. One for the process, never shut down (as AsyncHTTPClient's own `shared`).
    public static let sharedClient: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.connectionPool = .init(idleTimeout: .seconds(60))
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// A client for one send whose connection goes to `address` for `host`, redirects off.
    static func makeClient(pinning host: String, to address: String) -> HTTPClient {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.dnsOverride = [host: address]
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    func send(_ message: OutboxMessage) async throws {
        guard let endpointID = message.endpointID, let endpoint = try await store.webhookEndpoint(id: endpointID) else {
            throw DeliveryFailure(reason: "endpoint removed", permanent: true)
        }
        let body = try await payload(for: message.event)
        try await post(body, to: endpoint, id: message.id)
    }

    /// Posts one signed body. `id` is the `webhook-id`: the same on every retry of a message.
    public func post(_ body: [UInt8], to endpoint: WebhookEndpoint, id: String) async throws {
        guard endpoint.url.utf8.count <= WebhookTargetPolicy.maxURLLength, let host = URLComponents(string: endpoint.url)?.host else {
            throw DeliveryFailure(reason: "the endpoint's URL is not valid", permanent: true)
        }
        let pinned = try await targets.checkDestination(host: host)
        let now = effects.now()
        var sealed = [endpoint.secret]
        if let previous = endpoint.previousSecret, let until = endpoint.previousSecretUntil, until > now { sealed.append(previous) }
        let secrets: [String]
        do {
            secrets = try sealed.map { try keys.open(secret: $0, context: endpoint.id) }
        } catch {
            throw DeliveryFailure(reason: "the endpoint's secret cannot be opened: its key-encryption key is missing")
        }
        var request = HTTPClientRequest(url: endpoint.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Doorstep-Webhooks/1")
        for (name, value) in WebhookSigner.headers(secrets: secrets, id: id, timestamp: Int(now.timeIntervalSince1970), body: body) {
            request.headers.add(name: name, value: value)
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        let (shared, timeout, prepared) = (self.client, self.timeout, request)
        let status: UInt
        do {
            // The deadline covers the answer's body too: a receiver that trickles it a byte at a
            // time holds this one message for `timeout` at most, never the worker's other sends.
            status = try await Deadline.run(after: .milliseconds(Int64(timeout * 1000))) {
                // Checked addresses are connected to as checked: a client of its own for this send
                // maps the name to the vetted address (TLS still checks the certificate against the name).
                let client = pinned.map { Self.makeClient(pinning: host, to: $0) } ?? shared
                do {
                    let response = try await client.execute(prepared, timeout: .milliseconds(Int64(timeout * 1000)))
                    _ = try? await response.body.collect(upTo: 64 * 1024)
                    if pinned != nil { try? await client.shutdown() }
                    return response.status.code
                } catch {
                    if pinned != nil { try? await client.shutdown() }
                    throw error
                }
            }
        } catch {
            // Refused, reset, timed out: one answer, so a tenant cannot map ports or hosts by
            // which failure it gets back.
            throw DeliveryFailure.noAnswer
        }
        guard (200..<300).contains(status) else {
            // 4xx other than 408/429 will not get better by retrying, but receivers misconfigure
            // and fix things: keep retrying until the dead letter, where the tenant can replay.
            // A 3xx is not followed: the receiver must give its final address.
            throw DeliveryFailure(reason: "HTTP \(status)")
        }
    }

    func payload(for event: OutboxEvent) async throws -> [UInt8] {
        var data: [String: String] = ["event_id": event.id]
        var links: [String: String] = [:]
        if let deliveryID = event.deliveryID, let delivery = try await store.delivery(id: deliveryID) {
            data["delivery_id"] = delivery.id
            data["order_reference"] = delivery.orderReference
            data["state"] = delivery.state.rawValue
            if let placement = delivery.placement { data["placement"] = placement.rawValue }
            links["delivery"] = self.links.apiURL(for: delivery)
            links["customer_page"] = self.links.customerURL(for: delivery)
        }
        if let photoID = event.photoID { data["photo_id"] = photoID }
        if event.type == .attempted, let deliveryID = event.deliveryID,
           let attempt = try await store.attempts(deliveryID: deliveryID).first(where: { $0.id == event.id }) {
            data["attempt_id"] = attempt.id
            data["attempt_reason"] = attempt.reason.rawValue
        }
        let body = WebhookPayload(type: event.type.rawValue, timestamp: event.occurredAt, data: data, links: links)
        return Array(try APIJSON.encoder.encode(body))
    }
}

public struct WebhookPayload: Encodable, Sendable {
    var type: String
    var timestamp: Date
    var data: [String: String]
    var links: [String: String]
}
