import DoorstepServices
import Foundation
import Hummingbird

extension Request {
    /// The signed customer link this request presents: the delivery id from the `:id` path
    /// parameter, the expiry and signature from the query (`?e=…&s=…`). Every customer route
    /// (pages, photo, receipt, events, preferences) reads it here.
    func customerLink(_ context: AppRequestContext) -> CustomerLinks.Link {
        CustomerLinks.Link(
            deliveryID: context.parameters.get("id") ?? "",
            expires: uri.queryParameters["e"].map(String.init),
            signature: uri.queryParameters["s"].map(String.init))
    }

    /// A small `application/x-www-form-urlencoded` body, as browsers and mail clients post it,
    /// decoded by Hummingbird's form decoder; at most `limit` bytes are read.
    func decodeForm<T: Decodable>(as type: T.Type, limit: Int = 16 * 1024) async throws -> T {
        let buffer = try await body.collect(upTo: limit)
        return try URLEncodedFormDecoder().decode(T.self, from: String(buffer: buffer))
    }
}
