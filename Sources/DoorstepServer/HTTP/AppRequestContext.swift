import DoorstepCore
import DoorstepServices
import Foundation
import Hummingbird
import HummingbirdAuth
import NIOCore

/// Request context for every route: ISO 8601 dates both ways, the caller once a group's
/// authenticator has established it, and the client's address once `ClientAddressMiddleware`
/// has worked it out.
public struct AppRequestContext: AuthRequestContext, RemoteAddressRequestContext, RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: Caller?
    /// The connection's peer: the client, or a proxy in front of it.
    public let remoteAddress: SocketAddress?
    /// The client's address as `TrustedProxies` reads it; nil until the middleware has run, or
    /// for a peer that is not an IP address (tests' in-process clients).
    public var clientAddress: IPAddress?
    /// What the handler adds to its change's entry in the activity log (`ActivityNote`).
    let activity = ActivityNote()

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.identity = nil
        self.remoteAddress = source.channel.remoteAddress
    }

    /// A key for per-client limits: the address, or one shared key when it is unknown.
    var clientKey: String { clientAddress?.limitKey ?? "unknown" }

    public var requestDecoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    public var responseEncoder: JSONEncoder {
        JSONResponse.encoder
    }
}

enum JSONResponse {
    static var encoder: JSONEncoder { APIJSON.encoder }

    /// `validating`: the request, when the answer should carry an ETag and honour
    /// If-None-Match (`EntityTag`). Personal data stays `no-store`: a client keeps its own copy
    /// and revalidates it, no cache on the way does.
    static func make(
        _ value: some Encodable, status: HTTPResponse.Status = .ok, contentType: String = "application/json",
        headers extra: HTTPFields = [:], validating request: Request? = nil, cacheControl: String = "no-store"
    ) throws -> Response {
        var headers = extra
        headers[.contentType] = contentType
        headers[.cacheControl] = cacheControl
        let data = try encoder.encode(value)
        let response = Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        guard let request else { return response }
        return EntityTag.apply(to: response, body: Array(data), request: request)
    }
}

extension Request {
    /// Decodes a JSON body of at most `limit` bytes. Unlike Hummingbird's `decode`, the
    /// DecodingError reaches the error middleware, which names the offending field.
    func decodeJSON<T: Decodable>(as type: T.Type, context: AppRequestContext, limit: Int = 1 << 20) async throws -> T {
        let buffer = try await body.collect(upTo: limit)
        return try context.requestDecoder.decode(T.self, from: Data(buffer.readableBytesView))
    }
}
