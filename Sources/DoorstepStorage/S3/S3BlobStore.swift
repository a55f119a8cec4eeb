import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// Blobs in any S3-compatible object store, through our own small client: SigV4-signed PUT (with
/// the payload's SHA-256), GET, HEAD, DELETE and ListObjectsV2; path-style or virtual-host
/// addressing; timeouts, and retries with backoff on 5xx and connection errors.
public struct S3BlobStore: BlobStore {
    public struct Configuration: Sendable {
        /// e.g. http://127.0.0.1:8333 or https://s3.eu-west-3.amazonaws.com
        public var endpoint: URL
        public var bucket: String
        public var region: String
        public var credentials: SigV4Signer.Credentials
        /// Path style (`endpoint/bucket/key`) suits most self-hosted stores; virtual host
        /// (`bucket.endpoint/key`) is AWS's default.
        public var pathStyle: Bool
        /// Key prefix inside the bucket, so several deployments can share one.
        public var prefix: String
        public var timeout: TimeAmount
        public var attempts: Int

        public init(endpoint: URL, bucket: String, region: String = "us-east-1", credentials: SigV4Signer.Credentials,
                    pathStyle: Bool = true, prefix: String = "", timeout: TimeAmount = .seconds(30), attempts: Int = 3) {
            self.endpoint = endpoint
            self.bucket = bucket
            self.region = region
            self.credentials = credentials
            self.pathStyle = pathStyle
            self.prefix = prefix
            self.timeout = timeout
            self.attempts = attempts
        }

        /// `s3://bucket?endpoint=http://127.0.0.1:8333&region=us-east-1&path_style=true&prefix=doorstep/`
        /// with credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (never in the URL, which may be logged).
        public init(url: String, environment: [String: String]) throws {
            guard let components = URLComponents(string: url), components.scheme == "s3", let bucket = components.host, !bucket.isEmpty else {
                throw BlobStoreError(description: "the blob URL must look like s3://bucket?endpoint=https://…")
            }
            let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
            guard let endpoint = URL(string: query["endpoint"] ?? "https://s3.amazonaws.com"), endpoint.host != nil else {
                throw BlobStoreError(description: "the endpoint of the blob URL is not a URL")
            }
            guard let key = environment["AWS_ACCESS_KEY_ID"], let secret = environment["AWS_SECRET_ACCESS_KEY"] else {
                throw BlobStoreError(description: "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the S3 blob store")
            }
            self.init(
                endpoint: endpoint, bucket: bucket, region: query["region"] ?? environment["AWS_REGION"] ?? "us-east-1",
                credentials: .init(accessKeyID: key, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"]),
                pathStyle: (query["path_style"] ?? "true") != "false", prefix: query["prefix"] ?? "")
        }
    }

    public let configuration: Configuration
    private let signer: SigV4Signer
    private let client: HTTPClient

    public init(configuration: Configuration, client: HTTPClient = .shared) {
        self.configuration = configuration
        self.signer = SigV4Signer(credentials: configuration.credentials, region: configuration.region, service: "s3", normalizePath: false)
        self.client = client
    }

    public func put(_ key: String, bytes: [UInt8]) async throws {
        guard BlobKey.isSafe(key) else { throw BlobStoreError(description: "unsafe blob key") }
        let response = try await send("PUT", key: configuration.prefix + key, body: bytes)
        guard response.status == 200 else { throw failure("PUT", response) }
    }

    public func get(_ key: String) async throws -> [UInt8]? {
        guard BlobKey.isSafe(key) else { throw BlobStoreError(description: "unsafe blob key") }
        let response = try await send("GET", key: configuration.prefix + key)
        if response.status == 404 { return nil }
        guard response.status == 200 else { throw failure("GET", response) }
        return response.body
    }

    /// Bytes `range` (inclusive, as HTTP Range counts) of the object, or nil when there is none.
    public func get(_ key: String, range: ClosedRange<Int>) async throws -> [UInt8]? {
        guard BlobKey.isSafe(key) else { throw BlobStoreError(description: "unsafe blob key") }
        let response = try await send("GET", key: configuration.prefix + key, extraHeaders: [("Range", "bytes=\(range.lowerBound)-\(range.upperBound)")])
        if response.status == 404 { return nil }
        guard response.status == 206 || response.status == 200 else { throw failure("ranged GET", response) }
        return response.body
    }

    /// The object's size, or nil when there is none. (A HEAD answer has no body, so a missing
    /// bucket also reads as nil here; `send` names it for every other call.)
    public func head(_ key: String) async throws -> Int? {
        let response = try await send("HEAD", key: configuration.prefix + key)
        if response.status == 404 { return nil }
        guard response.status == 200 else { throw failure("HEAD", response) }
        return response.contentLength
    }

    public func delete(_ key: String) async throws {
        guard BlobKey.isSafe(key) else { throw BlobStoreError(description: "unsafe blob key") }
        let response = try await send("DELETE", key: configuration.prefix + key)
        guard response.status == 204 || response.status == 200 || response.status == 404 else {
            throw failure("DELETE", response)
        }
    }

    public func list(prefix: String) async throws -> [BlobListing] {
        var listings: [BlobListing] = []
        var token: String?
        repeat {
            var query = "list-type=2&prefix=\(SigV4Signer.encode(configuration.prefix + prefix))"
            if let token { query += "&continuation-token=\(SigV4Signer.encode(token))" }
            let response = try await send("GET", key: nil, query: query)
            guard response.status == 200 else { throw failure("list", response) }
            let page = ListPage(xml: String(decoding: response.body, as: UTF8.self))
            listings += page.objects.compactMap { key, modified in
                key.hasPrefix(configuration.prefix) ? BlobListing(key: String(key.dropFirst(configuration.prefix.count)), modifiedAt: modified) : nil
            }
            token = page.nextToken
        } while token != nil
        return listings.sorted { $0.key < $1.key }
    }

    public func ping() async throws {
        let response = try await send("GET", key: nil, query: "list-type=2&max-keys=1")
        guard response.status == 200 else { throw failure("bucket check", response) }
    }

    private func failure(_ operation: String, _ reply: Reply) -> BlobStoreError {
        reply.error.error(operation, bucket: configuration.bucket, region: configuration.region)
    }

    struct Reply {
        var status: Int
        var body: [UInt8]
        var contentLength: Int?
        var error: S3ErrorReply { S3ErrorReply(status: status, body: body) }
    }

    /// One signed request, retried on 5xx and connection errors with exponential backoff.
    private func send(
        _ method: String, key: String?, query: String? = nil, body: [UInt8] = [], extraHeaders: [(String, String)] = []
    ) async throws -> Reply {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let reply = try await sendOnce(method, key: key, query: query, body: body, extraHeaders: extraHeaders)
                if reply.status >= 500 && attempt < configuration.attempts {
                    try await Task.sleep(for: .milliseconds(100 * (1 << attempt)))
                    continue
                }
                // A missing bucket is a misconfiguration, never an absent object or a done delete:
                // every call fails with it, whatever its own 404 means.
                if reply.status == 404 && reply.error.isMissingBucket { throw failure(method, reply) }
                return reply
            } catch let error as BlobStoreError {
                throw error
            } catch {
                guard attempt < configuration.attempts else { throw BlobStoreError(description: "S3 unreachable: \(type(of: error))") }
                try await Task.sleep(for: .milliseconds(100 * (1 << attempt)))
            }
        }
    }

    /// Where a request goes: path style `endpoint/bucket/key`, or virtual host `bucket.endpoint/key`.
    func target(key: String?) -> (scheme: String, host: String, path: String) {
        let endpoint = configuration.endpoint
        let port = endpoint.port.map { ":\($0)" } ?? ""
        let host = (configuration.pathStyle ? endpoint.host! : "\(configuration.bucket).\(endpoint.host!)") + port
        var path = configuration.pathStyle ? "/\(configuration.bucket)" : ""
        if let key {
            path += "/" + key.split(separator: "/", omittingEmptySubsequences: false).map { SigV4Signer.encode(String($0)) }.joined(separator: "/")
        }
        return (endpoint.scheme ?? "https", host, path.isEmpty ? "/" : path)
    }

    private func sendOnce(_ method: String, key: String?, query: String?, body: [UInt8], extraHeaders: [(String, String)]) async throws -> Reply {
        let (scheme, host, path) = target(key: key)
        let payloadHash = body.isEmpty ? SigV4Signer.emptyPayloadHash : SHA256.hash(data: body).hex
        var headers: [(String, String)] = [("Host", host)] + extraHeaders
        if !body.isEmpty { headers.append(("Content-Length", String(body.count))) }
        let signed = signer.sign(method: method, path: path, query: query, headers: headers, payloadHash: payloadHash, date: Date(),
                                 signPayloadHeader: true)
        var request = HTTPClientRequest(url: "\(scheme)://\(host)\(path)\(query.map { "?\($0)" } ?? "")")
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers + signed.headers where name != "Host" { request.headers.add(name: name, value: value) }
        if !body.isEmpty { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(request, timeout: configuration.timeout)
        let bytes = method == "HEAD" ? ByteBuffer() : try await response.body.collect(upTo: 64 * 1024 * 1024)
        return Reply(status: Int(response.status.code), body: Array(bytes.readableBytesView),
                     contentLength: response.headers.first(name: "Content-Length").flatMap(Int.init))
    }
}

/// The little of a ListObjectsV2 answer we need: keys, their times, the next page's token.
struct ListPage {
    var objects: [(String, Date)] = []
    var nextToken: String?

    init(xml: String) {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        for block in xml.components(separatedBy: "<Contents>").dropFirst() {
            guard let key = Self.value("Key", in: block) else { continue }
            let modified = Self.value("LastModified", in: block).flatMap { formatter.date(from: $0) ?? plain.date(from: $0) } ?? .distantPast
            objects.append((Self.unescape(key), modified))
        }
        if Self.value("IsTruncated", in: xml) == "true" { nextToken = Self.value("NextContinuationToken", in: xml).map(Self.unescape) }
    }

    static func value(_ tag: String, in text: String) -> String? {
        guard let start = text.range(of: "<\(tag)>"), let end = text.range(of: "</\(tag)>", range: start.upperBound..<text.endIndex) else {
            return nil
        }
        return String(text[start.upperBound..<end.lowerBound])
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
