import AsyncHTTPClient
import DoorstepCore
import DoorstepNotify
import Foundation
import NIOCore
import NIOHTTP1

/// Webhook deliveries: a JSON body of ids and links (never photo bytes), signed per Standard
/// Webhooks with the endpoint's secret (and the previous one during a rotation).
struct WebhookChannel {
    let dependencies: AppDependencies

    func send(_ message: OutboxMessage) async throws {
        guard let endpointID = message.endpointID, let endpoint = try await dependencies.store.webhookEndpoint(id: endpointID) else {
            throw DeliveryFailure(reason: "endpoint removed", permanent: true)
        }
        let body = try await payload(for: message.event)
        try await post(body, to: endpoint, id: message.id)
    }

    /// Posts one signed body. `id` is the `webhook-id`: the same on every retry of a message.
    func post(_ body: [UInt8], to endpoint: WebhookEndpoint, id: String) async throws {
        let now = dependencies.effects.now()
        var secrets = [endpoint.secret]
        if let previous = endpoint.previousSecret, let until = endpoint.previousSecretUntil, until > now { secrets.append(previous) }
        var request = HTTPClientRequest(url: endpoint.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Doorstep-Webhooks/1")
        for (name, value) in WebhookSigner.headers(secrets: secrets, id: id, timestamp: Int(now.timeIntervalSince1970), body: body) {
            request.headers.add(name: name, value: value)
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(Int64(dependencies.configuration.webhookTimeout)))
        } catch {
            throw DeliveryFailure(reason: "connection failed")
        }
        _ = try? await response.body.collect(upTo: 64 * 1024)
        guard (200..<300).contains(response.status.code) else {
            // 4xx other than 408/429 will not get better by retrying, but receivers misconfigure
            // and fix things: keep retrying until the dead letter, where the tenant can replay.
            throw DeliveryFailure(reason: "HTTP \(response.status.code)")
        }
    }

    func payload(for event: OutboxEvent) async throws -> [UInt8] {
        var data: [String: String] = ["event_id": event.id]
        var links: [String: String] = [:]
        if let deliveryID = event.deliveryID, let delivery = try await dependencies.store.delivery(id: deliveryID) {
            data["delivery_id"] = delivery.id
            data["order_reference"] = delivery.orderReference
            data["state"] = delivery.state.rawValue
            if let placement = delivery.placement { data["placement"] = placement.rawValue }
            links["delivery"] = "\(dependencies.configuration.resolvedBaseURL)/api/v1/deliveries/\(delivery.id)"
            links["customer_page"] = dependencies.deliveries.customerURL(for: delivery)
        }
        if let photoID = event.photoID { data["photo_id"] = photoID }
        let body = WebhookPayload(type: event.type.rawValue, timestamp: event.occurredAt, data: data, links: links)
        return Array(try JSONResponse.encoder.encode(body))
    }
}

struct WebhookPayload: Encodable {
    var type: String
    var timestamp: Date
    var data: [String: String]
    var links: [String: String]
}
