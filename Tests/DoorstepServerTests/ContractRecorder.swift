import DoorstepServer
import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// Writes down every answer the handler tests get, when `DOORSTEP_CONTRACT_LOG` names a file
/// (scripts/test does): one JSON line per response with the method, path, query, status, content
/// type and, for JSON, the body. `e2e/contract.py check-log` then validates each against
/// `openapi.json` with openapi-core, so what the tests see and what the document promises cannot
/// drift apart. Event streams are left out: they never end.
struct ContractRecorder: RouterMiddleware {
    typealias Context = AppRequestContext
    let descriptor: Int32

    static let shared: ContractRecorder? = ProcessInfo.processInfo.environment["DOORSTEP_CONTRACT_LOG"].map { path in
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        // Asked for and not possible: a check that silently recorded nothing would pass.
        guard descriptor >= 0 else { fatalError("DOORSTEP_CONTRACT_LOG: cannot open \(path) (errno \(errno))") }
        return ContractRecorder(descriptor: descriptor)
    }

    struct Record: Encodable {
        var method: String
        var path: String
        var query: String
        var status: Int
        var contentType: String?
        var body: String?

        enum CodingKeys: String, CodingKey {
            case method, path, query, status, contentType = "content_type", body
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        let contentType = response.headers[.contentType]
        guard contentType?.hasPrefix("text/event-stream") != true else { return response }
        var body: String?
        if let contentType, contentType.contains("json") {
            let collector = Collector()
            try await response.body.write(collector)
            response.body = .init(byteBuffer: collector.buffer.withLock { $0 })
            body = collector.buffer.withLock { String(buffer: $0) }
        }
        let record = Record(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "",
            status: Int(response.status.code), contentType: contentType, body: body)
        var line = try JSONEncoder().encode(record)
        line.append(UInt8(ascii: "\n"))
        // One write per line on an O_APPEND descriptor: lines from parallel tests do not mix.
        _ = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        return response
    }

    private final class Collector: ResponseBodyWriter, Sendable {
        let buffer = Mutex(ByteBuffer())
        func write(_ part: ByteBuffer) async throws { buffer.withLock { $0.writeImmutableBuffer(part) } }
        func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }
}
