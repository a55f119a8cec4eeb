import Foundation

/// A small SMTP client (RFC 5321): one message per connection, plain TCP to a relay the operator
/// runs (a local MTA or a provider's submission port without TLS is the deployment's choice;
/// STARTTLS is not implemented yet). Blocking: call it from a thread pool, never an event loop.
public struct SMTPClient: Sendable {
    public var host: String
    public var port: Int
    /// The name we greet with (EHLO).
    public var heloName: String
    public var timeout: TimeInterval

    public init(host: String, port: Int, heloName: String = "doorstep.localhost", timeout: TimeInterval = 15) {
        self.host = host
        self.port = port
        self.heloName = heloName
        self.timeout = timeout
    }

    /// Why a send failed: the stage and the server's reply code. Never the addresses or the text.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var stage: String
        public var code: Int?
        /// 4xx replies and network errors are worth retrying; 5xx are not.
        public var isPermanent: Bool { (code ?? 0) >= 500 }
        public var description: String { "SMTP \(stage) failed" + (code.map { " (\($0))" } ?? "") }
    }

    public func send(from sender: String, to recipients: [String], message: String) throws {
        let connection = try Connection(host: host, port: port, timeout: timeout)
        defer { connection.close() }
        try connection.expect(220, stage: "greeting")
        try connection.command("EHLO \(heloName)", expect: 250, stage: "EHLO")
        try connection.command("MAIL FROM:<\(sender)>", expect: 250, stage: "MAIL FROM")
        for recipient in recipients {
            try connection.command("RCPT TO:<\(recipient)>", expect: 250, stage: "RCPT TO", alsoAccept: [251])
        }
        try connection.command("DATA", expect: 354, stage: "DATA")
        // Dot-stuffing (RFC 5321 §4.5.2) and CRLF line ends, then the terminating dot.
        let body = message.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(".") ? "." + $0 : String($0) }.joined(separator: "\r\n")
        try connection.write(body + "\r\n.\r\n")
        try connection.expect(250, stage: "message")
        try? connection.command("QUIT", expect: 221, stage: "QUIT")
    }

    /// One TCP connection with line-oriented reads and a timeout on every read and write.
    final class Connection {
        private let fd: Int32
        private var buffer: [UInt8] = []

        init(host: String, port: Int, timeout: TimeInterval) throws {
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var result: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, String(port), &hints, &result) == 0, let first = result else {
                throw Failure(stage: "resolve", code: nil)
            }
            defer { freeaddrinfo(result) }
            var current: UnsafeMutablePointer<addrinfo>? = first
            var connected: Int32 = -1
            while let info = current {
                let candidate = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
                if candidate >= 0 {
                    var limit = timeval(tv_sec: Int(timeout), tv_usec: 0)
                    setsockopt(candidate, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
                    setsockopt(candidate, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
                    if connect(candidate, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                        connected = candidate
                        break
                    }
                    Foundation.close(candidate)
                }
                current = info.pointee.ai_next
            }
            guard connected >= 0 else { throw Failure(stage: "connect", code: nil) }
            fd = connected
        }

        func close() { Foundation.close(fd) }

        func write(_ text: String) throws {
            let bytes = Array(text.utf8)
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
                guard written > 0 else { throw Failure(stage: "write", code: nil) }
                offset += written
            }
        }

        func command(_ line: String, expect code: Int, stage: String, alsoAccept: Set<Int> = []) throws {
            try write(line + "\r\n")
            try expect(code, stage: stage, alsoAccept: alsoAccept)
        }

        /// Reads a whole (possibly multi-line) reply and checks its code.
        func expect(_ code: Int, stage: String, alsoAccept: Set<Int> = []) throws {
            while true {
                let line = try readLine(stage: stage)
                guard line.count >= 3, let replyCode = Int(line.prefix(3)) else { throw Failure(stage: stage, code: nil) }
                if line.count > 3 && line[line.index(line.startIndex, offsetBy: 3)] == "-" { continue }
                guard replyCode == code || alsoAccept.contains(replyCode) else { throw Failure(stage: stage, code: replyCode) }
                return
            }
        }

        private func readLine(stage: String) throws -> String {
            while true {
                if let end = buffer.firstIndex(of: 0x0A) {
                    let line = buffer[..<end].filter { $0 != 0x0D }
                    buffer.removeSubrange(...end)
                    return String(decoding: line, as: UTF8.self)
                }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                guard count > 0 else { throw Failure(stage: stage, code: nil) }
                buffer += chunk[..<count]
                guard buffer.count < 64 * 1024 else { throw Failure(stage: stage, code: nil) }
            }
        }
    }
}
