import AsyncHTTPClient
import DoorstepCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

@testable import DoorstepServer

/// Over a real socket: concurrency, and clients that vanish mid-upload.
@Suite struct LiveServerTests {
    /// A whole photo uploaded over the socket by a client that waits as a phone would (2 minutes):
    /// HummingbirdTesting's live client gives up after 20 s without a byte back, and a 10 MP
    /// photo's redaction took longer than that once while the whole suite ran in parallel on two
    /// cores (fresh-clone CI, PostgreSQL pass). What each test checks is the answer, not its speed.
    static func patientUpload(port: Int, path: String, headers: HTTPFields, photo: [UInt8]) async throws -> PatientResponse {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .POST
        for field in headers { request.headers.add(name: field.name.rawName, value: field.value) }
        request.body = .bytes(ByteBuffer(bytes: photo))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        var fields = HTTPFields()
        for (name, value) in response.headers { if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) } }
        return PatientResponse(status: HTTPResponse.Status(code: Int(response.status.code)), headers: fields, body: try await response.body.collect(upTo: 1 << 20))
    }

    struct PatientResponse {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: ByteBuffer

        func json() throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])
        }
    }

    @Test func theServerKeepsAnsweringWhileItProcessesPhotos() async throws {
        let photo = Photos.bytes("x01_wine_stored3837x2560_o6_gps.jpg")
        try await TestApp.run(configure: { $0.imageWorkers = 1 }) { app in
            var created: [Delivery] = []
            for _ in 0..<4 { created.append(try await app.delivery()) }
            let deliveries = created
            try await app.application.test(.live) { client in
                let port = try #require(client.port)
                let events = EventLog()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for delivery in deliveries {
                        group.addTask {
                            let response = try await Self.patientUpload(port: port, path: app.uploadPath(delivery), headers: app.courierHeaders(), photo: photo)
                            #expect(response.status == .created)
                            events.append("upload")
                        }
                    }
                    group.addTask {
                        // Four 10 MP photos on one worker take well over a second; a health check
                        // sent meanwhile must not wait for them.
                        try await Task.sleep(for: .milliseconds(100))
                        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(30))
                        #expect(response.status.code == 200)
                        events.append("health")
                    }
                    try await group.waitForAll()
                }
                let order = events.all
                #expect(order.count == 5)
                #expect(order.firstIndex(of: "health")! < 3, "health answered only after the uploads: \(order)")
            }
        }
    }

    @Test func aClientThatDisconnectsMidUploadLeavesNoTrace() async throws {
        let photo = Photos.bytes("x01_wine_stored3837x2560_o6_gps.jpg")
        try await TestApp.run { app in
            let delivery = try await app.delivery()
            try await app.application.test(.live) { client in
                let port = try #require(client.port)
                let head = RawSocket.uploadHead(app.uploadPath(delivery), token: app.courierToken, length: photo.count, key: "cut-off")
                try RawSocket.sendAndClose(port: port, bytes: Array(head.utf8) + photo.prefix(photo.count / 3))
                // The server notices the closed connection and drops the partial body.
                try await Task.sleep(for: .milliseconds(300))
                #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
                // A complete retry with the same key then succeeds, once.
                let retry = try await Self.patientUpload(port: port, path: app.uploadPath(delivery), headers: app.courierHeaders(key: "cut-off"), photo: photo)
                #expect(retry.status == .created)
                #expect(retry.headers[.idempotentReplayed] == nil)
            }
            #expect((try await app.blobFiles()).count == 2)
        }
    }

    /// The upload memory budget on a real socket: two uploads whose bodies are still coming hold
    /// it whole; a third waits its turn, then gets 503 with Retry-After, its body never kept; once
    /// the two give up, their room comes back and the third goes through.
    @Test func uploadsPastTheMemoryBudgetWaitThenGet503AndGoThroughLater() async throws {
        let photo = Photos.bytes("x01_wine_stored3837x2560_o6_gps.jpg")
        try await TestApp.run(configure: { $0.uploadMemoryBytes = 2 * photo.count; $0.uploadWait = 1 }) { app in
            let stalled = [try await app.delivery(), try await app.delivery()]
            let third = try await app.delivery()
            let budget = app.services.uploadBudget
            try await app.application.test(.live) { client in
                let port = try #require(client.port)
                let sockets = try stalled.map { delivery in
                    let socket = try RawSocket.connect(port: port)
                    try RawSocket.write(socket, Array(RawSocket.uploadHead(app.uploadPath(delivery), token: app.courierToken, length: photo.count).utf8) + photo.prefix(1000))
                    return socket
                }
                // Each stalled upload is authorised (a database read) before it takes room: on a
                // busy machine, against PostgreSQL, that can take seconds.
                for _ in 0..<1000 where budget.bytesInUse < 2 * photo.count { try await Task.sleep(for: .milliseconds(20)) }
                #expect(budget.bytesInUse == 2 * photo.count)

                let started = ContinuousClock.now
                let refused = try await Self.patientUpload(port: port, path: app.uploadPath(third), headers: app.courierHeaders(key: "third"), photo: photo)
                #expect(refused.status == .serviceUnavailable && refused.headers[.retryAfter] != nil)
                #expect(try refused.json()["type"] as? String == "/problems/overloaded")
                #expect(ContinuousClock.now - started >= .milliseconds(900), "it waited for room before the 503")

                for socket in sockets { close(socket) }
                for _ in 0..<1000 where budget.bytesInUse > 0 { try await Task.sleep(for: .milliseconds(20)) }
                #expect(budget.bytesInUse == 0, "uploads cut off mid-body give their room back")
                let retry = try await Self.patientUpload(port: port, path: app.uploadPath(third), headers: app.courierHeaders(key: "third"), photo: photo)
                #expect(retry.status == .created)
            }
            #expect((try await app.blobFiles()).count == 2, "the one photo stored, nothing of the others")
        }
    }
}

final class EventLog: Sendable {
    private let events = Mutex<[String]>([])
    func append(_ event: String) { events.withLock { $0.append(event) } }
    var all: [String] { events.withLock { $0 } }
}

enum RawSocket {
    struct Failure: Error {}

    /// The head of a courier's photo upload of `length` bytes.
    static func uploadHead(_ path: String, token: String, length: Int, key: String? = nil) -> String {
        "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\nContent-Type: image/jpeg\r\n"
            + (key.map { "Idempotency-Key: \($0)\r\n" } ?? "") + "Content-Length: \(length)\r\n\r\n"
    }

    /// Connects to 127.0.0.1:`port`, writes `bytes`, and closes: a client that gives up.
    static func sendAndClose(port: Int, bytes: [UInt8]) throws {
        let fd = try connect(port: port)
        defer { close(fd) }
        try write(fd, bytes)
    }

    /// A connected socket to 127.0.0.1:`port`, from `source` (another loopback address, to be a
    /// client of its own) or the default; the caller closes it.
    static func connect(port: Int, from source: String? = nil) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure() }
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else {
                close(fd)
                throw Failure()
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw Failure()
        }
        return fd
    }

    /// What the server sends until it closes the connection, or `seconds` pass (or, with
    /// `untilHeadEnds`, once a response head and some of its body have come). The blocking read
    /// runs on a thread of its own: on the cooperative pool (two threads here) two such waits
    /// would leave the server under test no thread to answer on.
    static func readToEnd(_ fd: Int32, within seconds: Int, untilHeadEnds: Bool = false) async -> [UInt8] {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: readBlocking(fd, within: seconds, untilHeadEnds: untilHeadEnds))
            }
        }
    }

    private static func readBlocking(_ fd: Int32, within seconds: Int, untilHeadEnds: Bool) -> [UInt8] {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { return received }
            received += buffer[..<count]
            if untilHeadEnds, let text = String(bytes: received, encoding: .utf8), let head = text.range(of: "\r\n\r\n"),
               text[head.upperBound...].contains("}") {
                return received
            }
        }
    }

    static func write(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else { throw Failure() }
            offset += written
        }
    }
}
