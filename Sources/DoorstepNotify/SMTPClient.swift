import DoorstepCore
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// An SMTP client (RFC 5321) on SwiftNIO: one message per connection, STARTTLS (RFC 3207) or TLS
/// from the first byte, certificates verified against the host name, AUTH PLAIN or LOGIN
/// (RFC 4954). Non-blocking: a slow relay holds no thread, only its connection, and a deadline
/// closes that.
public struct SMTPClient: Sendable {
    public let server: SMTPServer
    private let password: String?
    /// The name we greet with (EHLO): the sender's domain.
    public let heloName: String
    /// For the whole conversation, message included.
    public let timeout: TimeAmount
    private let tls: NIOSSLContext?
    private let group: any EventLoopGroup

    public init(server: SMTPServer, password: String?, heloName: String, timeout: TimeAmount = .seconds(30),
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        guard password == nil || server.user != nil else {
            throw NotifyConfigurationError(description: "an SMTP password is set but the URL names no user (smtp://user@host)")
        }
        guard server.user == nil || password != nil else {
            throw NotifyConfigurationError(description: "the SMTP URL names a user but no password is set (DOORSTEP_SMTP_PASSWORD or DOORSTEP_SMTP_PASSWORD_FILE)")
        }
        (self.server, self.password, self.heloName, self.timeout, self.group) = (server, password, heloName, timeout, group)
        if server.security == .none {
            tls = nil
        } else {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.minimumTLSVersion = .tlsv12
            if let caFile = server.caFile { configuration.trustRoots = .file(caFile) }
            tls = try NIOSSLContext(configuration: configuration)
        }
    }

    /// Why a send failed, in words an administrator can act on: the stage, the server's reply
    /// code, and what to check. Never the addresses, the password or the message.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var stage: String
        public var code: Int?
        public var hint: String?
        /// Set for failures that retrying cannot mend (a refused password, an untrusted
        /// certificate, a server without STARTTLS): straight to the dead letters, replayable.
        public var isConfiguration = false

        /// 5xx replies and configuration failures; 4xx replies and network errors are retried.
        public var isPermanent: Bool { isConfiguration || (code ?? 0) >= 500 }
        public var description: String {
            "SMTP \(stage) failed" + (code.map { " (\($0))" } ?? "") + (hint.map { ": \($0)" } ?? "")
        }
    }

    public func send(from sender: String, to recipients: [String], message: String) async throws {
        try await converse { session, channel in
            try await handshake(&session, channel: channel)
            try await transaction(&session, from: sender, to: recipients, message: message)
        }
    }

    /// Connects, upgrades to TLS and logs in as a send would, then says goodbye: proof that the
    /// settings work, without a message (`doorstep check-config`).
    public func check() async throws {
        try await converse { session, channel in
            try await handshake(&session, channel: channel)
            _ = try? await session.command("QUIT", expect: 221, stage: "QUIT")
        }
    }

    /// One connection, with the deadline over all of it, and failures in words.
    private func converse(_ body: @Sendable (inout Session, any Channel) async throws -> Void) async throws {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(10))
                .connect(host: server.host, port: server.port) { [tls, server] channel in
                    channel.eventLoop.makeCompletedFuture {
                        if server.security == .implicitTLS, let tls {
                            try channel.pipeline.syncOperations.addHandler(
                                NIOSSLClientHandler(context: tls, serverHostname: HostName.tlsServerName(server.host)))
                        }
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw Failure(stage: "connect", hint: "cannot reach \(server.host):\(server.port)")
        }
        // The deadline closes the connection, which ends any read or write in progress.
        let deadline = channel.channel.eventLoop.scheduleTask(in: timeout) { [channel = channel.channel] in channel.close(promise: nil) }
        defer { deadline.cancel() }
        do {
            try await channel.executeThenClose { inbound, outbound in
                var session = Session(replies: inbound.makeAsyncIterator(), outbound: outbound)
                try await body(&session, channel.channel)
            }
        } catch let failure as Failure {
            throw failure
        } catch let error as NIOSSLError {
            throw tlsFailure(error)
        } catch let error as NIOSSLExtraError {
            throw tlsFailure(error)
        } catch {
            throw Failure(stage: "conversation", hint: "the connection ended early or took longer than \(timeout.nanoseconds / 1_000_000_000) s")
        }
    }

    /// Greeting, EHLO, STARTTLS when asked for, AUTH when a user is set.
    private func handshake(_ session: inout Session, channel: any Channel) async throws {
        try await session.expect(220, stage: "greeting")
        var capabilities = try await session.command("EHLO \(heloName)", expect: 250, stage: "EHLO")
        if server.security == .startTLS {
            guard capabilities.contains("STARTTLS") else {
                throw Failure(stage: "STARTTLS", hint: "the server does not offer STARTTLS; use smtps:// if it speaks TLS from the start, or tls=off to send unencrypted",
                              isConfiguration: true)
            }
            _ = try await session.command("STARTTLS", expect: 220, stage: "STARTTLS")
            // Anything after the 220 came before TLS and would be read as if it came after it
            // (CVE-2011-0411, command injection): refuse rather than trust it.
            guard session.buffer.isEmpty else {
                throw Failure(stage: "STARTTLS", hint: "the server sent more before TLS began: refused, as someone on the path may have added it")
            }
            // EHLO waits for the handshake: written at once, it raced it, and a refused certificate
            // could close the connection under the write, which then read as "ended early"
            // (retried, and reported without the reason) instead of the TLS failure it was.
            let established = channel.eventLoop.makePromise(of: Void.self)
            try await channel.eventLoop.submit { [tls, server] in
                let handler = try NIOSSLClientHandler(context: tls!, serverHostname: HostName.tlsServerName(server.host))
                try channel.pipeline.syncOperations.addHandler(handler, position: .first)
                try channel.pipeline.syncOperations.addHandler(TLSEstablished(established), position: .after(handler))
            }.get()
            try await established.futureResult.get()
            // RFC 3207: what the server said before TLS counts for nothing; ask again.
            capabilities = try await session.command("EHLO \(heloName)", expect: 250, stage: "EHLO after STARTTLS")
        }
        if let user = server.user, let password {
            try await authenticate(&session, capabilities: capabilities, user: user, password: password)
        }
    }

    private func transaction(_ session: inout Session, from sender: String, to recipients: [String], message: String) async throws {
        _ = try await session.command("MAIL FROM:<\(sender)>", expect: 250, stage: "MAIL FROM")
        for recipient in recipients {
            _ = try await session.command("RCPT TO:<\(recipient)>", expect: 250, stage: "RCPT TO", alsoAccept: [251])
        }
        _ = try await session.command("DATA", expect: 354, stage: "DATA")
        // Dot-stuffing (RFC 5321 §4.5.2) and CRLF line ends, then the terminating dot.
        let body = message.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(".") ? "." + $0 : String($0) }.joined(separator: "\r\n")
        try await session.write(body + "\r\n.\r\n")
        try await session.expect(250, stage: "message")
        _ = try? await session.command("QUIT", expect: 221, stage: "QUIT")
    }

    private func authenticate(_ session: inout Session, capabilities: [String], user: String, password: String) async throws {
        let mechanisms = Set(capabilities.first { $0.hasPrefix("AUTH ") || $0.hasPrefix("AUTH=") }?
            .dropFirst(5).split(separator: " ").map { $0.uppercased() } ?? [])
        let refused = "the server refused the user or password (DOORSTEP_SMTP_PASSWORD / _FILE)"
        do {
            if mechanisms.contains("PLAIN") {
                let token = Data(([0] + Array(user.utf8) + [0] + Array(password.utf8))).base64EncodedString()
                _ = try await session.command("AUTH PLAIN \(token)", expect: 235, stage: "AUTH")
            } else if mechanisms.contains("LOGIN") {
                _ = try await session.command("AUTH LOGIN", expect: 334, stage: "AUTH")
                _ = try await session.command(Data(user.utf8).base64EncodedString(), expect: 334, stage: "AUTH")
                _ = try await session.command(Data(password.utf8).base64EncodedString(), expect: 235, stage: "AUTH")
            } else {
                throw Failure(stage: "AUTH", hint: "the server offers neither AUTH PLAIN nor AUTH LOGIN" + (server.security == .none ? " (many offer AUTH only over TLS)" : ""),
                              isConfiguration: true)
            }
        } catch var failure as Failure where failure.stage == "AUTH" && failure.hint == nil {
            (failure.hint, failure.isConfiguration) = (refused, (failure.code ?? 0) == 535 || (failure.code ?? 0) >= 500)
            throw failure
        }
    }

    /// A TLS failure in an administrator's words (BoringSSL's own text names source files).
    /// A refused certificate or a port that does not speak TLS is the configuration's fault and
    /// goes to the dead letters; anything else (a connection dropped mid-handshake) is retried.
    private func tlsFailure(_ error: any Error) -> Failure {
        let text = String(describing: error)
        if text.contains("failedToValidateHostname") {
            return Failure(stage: "TLS", hint: "the server's certificate is not for \(server.host): use the host name the certificate names", isConfiguration: true)
        }
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return Failure(stage: "TLS", hint: "the certificate of \(server.host) was not accepted: it must be valid today and come from a CA this machine trusts (or the one in ca=)",
                           isConfiguration: true)
        }
        if text.contains("WRONG_VERSION_NUMBER") || text.contains("UNKNOWN_PROTOCOL") {
            return Failure(stage: "TLS", hint: "\(server.host):\(server.port) does not speak TLS the way the URL says (smtps:// from the start, smtp:// after STARTTLS)",
                           isConfiguration: true)
        }
        return Failure(stage: "TLS", hint: "the TLS connection to \(server.host):\(server.port) broke off")
    }

    /// Line-oriented replies over the channel's byte stream.
    struct Session {
        var replies: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
        var buffer: [UInt8] = []

        mutating func write(_ text: String) async throws {
            try await outbound.write(ByteBuffer(string: text))
        }

        /// Sends one command and reads its reply; returns the reply's lines (EHLO's capabilities).
        mutating func command(_ line: String, expect code: Int, stage: String, alsoAccept: Set<Int> = []) async throws -> [String] {
            try await write(line + "\r\n")
            return try await expect(code, stage: stage, alsoAccept: alsoAccept)
        }

        /// Reads a whole (possibly multi-line) reply and checks its code.
        @discardableResult
        mutating func expect(_ code: Int, stage: String, alsoAccept: Set<Int> = []) async throws -> [String] {
            var lines: [String] = []
            while true {
                let line = try await readLine(stage: stage)
                guard line.count >= 3, let replyCode = Int(line.prefix(3)) else { throw Failure(stage: stage, hint: "the server's reply is not SMTP") }
                lines.append(String(line.dropFirst(4)).uppercased())
                if line.count > 3 && line[line.index(line.startIndex, offsetBy: 3)] == "-" { continue }
                guard replyCode == code || alsoAccept.contains(replyCode) else { throw Failure(stage: stage, code: replyCode) }
                return lines
            }
        }

        private mutating func readLine(stage: String) async throws -> String {
            while true {
                if let end = buffer.firstIndex(of: 0x0A) {
                    let line = buffer[..<end].filter { $0 != 0x0D }
                    buffer.removeSubrange(...end)
                    return String(decoding: line, as: UTF8.self)
                }
                guard var chunk = try await replies.next() else { throw Failure(stage: stage, hint: "the server closed the connection") }
                buffer += chunk.readBytes(length: chunk.readableBytes) ?? []
                guard buffer.count < 64 * 1024 else { throw Failure(stage: stage, hint: "the server's reply is too long") }
            }
        }
    }
}

/// Succeeds once the TLS handshake that follows STARTTLS is complete; fails with its error (a
/// certificate refused, a protocol mismatch), or when the connection closes first. Passes
/// everything on. Runs on the channel's event loop only.
final class TLSEstablished: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    private let promise: EventLoopPromise<Void>
    private var settled = false

    init(_ promise: EventLoopPromise<Void>) { self.promise = promise }

    private func settle(_ result: Result<Void, any Error>) {
        guard !settled else { return }
        settled = true
        promise.completeWith(result)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSUserEvent { settle(.success(())) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        settle(.failure(error))
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        settle(.failure(ChannelError.ioOnClosedChannel))
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        settle(.failure(ChannelError.ioOnClosedChannel))
    }
}
