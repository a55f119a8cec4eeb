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
                            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(app.uploadPath(delivery))")
                            request.method = .POST
                            request.headers.add(name: "Authorization", value: "Bearer \(app.courierToken)")
                            request.headers.add(name: "Content-Type", value: "image/jpeg")
                            request.body = .bytes(ByteBuffer(bytes: photo))
                            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
                            #expect(response.status.code == 201)
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
                let head = """
                    POST \(app.uploadPath(delivery)) HTTP/1.1\r
                    Host: 127.0.0.1\r
                    Authorization: Bearer \(app.courierToken)\r
                    Content-Type: image/jpeg\r
                    Idempotency-Key: cut-off\r
                    Content-Length: \(photo.count)\r
                    \r

                    """
                try RawSocket.sendAndClose(port: port, bytes: Array(head.utf8) + photo.prefix(photo.count / 3))
                // The server notices the closed connection and drops the partial body.
                try await Task.sleep(for: .milliseconds(300))
                #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
                // A complete retry with the same key then succeeds, once.
                let retry = try await client.execute(
                    uri: app.uploadPath(delivery), method: .post, headers: app.courierHeaders(key: "cut-off"), body: ByteBuffer(bytes: photo))
                #expect(retry.status == .created)
                #expect(retry.headers[.idempotentReplayed] == nil)
            }
            #expect((try await app.blobFiles()).count == 2)
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

    /// Connects to 127.0.0.1:`port`, writes `bytes`, and closes: a client that gives up.
    static func sendAndClose(port: Int, bytes: [UInt8]) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure() }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure() }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else { throw Failure() }
            offset += written
        }
    }
}
