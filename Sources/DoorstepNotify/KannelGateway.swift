import AsyncHTTPClient
import DoorstepCore
import Foundation
import NIOCore

/// Text messages through Kannel's `sendsms` HTTP interface (smsbox), which speaks SMPP to the
/// carrier's SMS provider. Configured as `http(s)://user@host:13013` (the path defaults to
/// `/cgi-bin/sendsms`); the password comes from the environment or a file, never the URL.
/// Every request is Kannel's POST form: the user, password, number and coding in `X-Kannel-*`
/// headers and the text as the body, so no credential or number sits in a URL (where proxies and
/// Kannel's own access log would keep it). Failures name the stage and Kannel's status, never the number.
public struct KannelGateway: Sendable {
    public let endpoint: URL
    public let user: String
    private let password: String
    /// The sender shown on phones (an alphanumeric name of up to 11 characters, or a number);
    /// nil leaves it to Kannel's configuration.
    public let from: String?
    /// Segments a message may take (Kannel's `max-messages` must allow as many).
    public let maxSegments: Int
    private let client: HTTPClient

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var reason: String
        public var isPermanent: Bool
        public var description: String { "SMS gateway: \(reason)" }
    }

    public init(url: String, password: String?, from: String?, maxSegments: Int = 4, client: HTTPClient = .shared) throws(NotifyConfigurationError) {
        guard var components = URLComponents(string: url), ["http", "https"].contains(components.scheme), components.host?.isEmpty == false,
              let user = components.user, !user.isEmpty
        else { throw .init(description: "the SMS setting must look like http://user@kannel.example:13013 (Kannel's smsbox and a sendsms-user)") }
        guard components.password == nil else {
            throw .init(description: "the SMS password must not be in the URL: give it in DOORSTEP_SMS_PASSWORD or DOORSTEP_SMS_PASSWORD_FILE")
        }
        guard let password else { throw .init(description: "the SMS URL names a user but no password is set (DOORSTEP_SMS_PASSWORD or DOORSTEP_SMS_PASSWORD_FILE)") }
        // A sender is a name of up to 11 letters and digits (what phones can show), or a number.
        let isName = { (text: String) in (1...11).contains(text.count) && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
        let isNumber = { (text: String) in (3...16).contains(text.count) && text.drop { $0 == "+" }.allSatisfy { $0.isASCII && $0.isNumber } }
        if let from, !isName(from) && !isNumber(from) {
            throw .init(description: "the SMS sender must be up to 11 letters and digits, or a number")
        }
        (components.user, components.query) = (nil, nil)
        if components.path.isEmpty || components.path == "/" { components.path = "/cgi-bin/sendsms" }
        guard let endpoint = components.url else { throw .init(description: "the SMS URL is not a URL") }
        (self.endpoint, self.user, self.password, self.from, self.maxSegments, self.client) = (endpoint, user, password, from, maxSegments, client)
    }

    /// Hands one message to Kannel. `to` is E.164.
    public func send(to phone: String, _ message: TextMessage) async throws {
        guard message.segments <= maxSegments else {
            throw Failure(reason: "the message needs \(message.segments) segments, more than the \(maxSegments) allowed", isPermanent: true)
        }
        var headers = [("To", phone), ("Coding", message.encoding == .gsm7 ? "0" : "2")]
        if let from { headers.append(("From", from)) }
        let (status, body) = try await post(headers, text: message.body)
        // Kannel: 202 "0: Accepted for delivery" or "3: Queued for later delivery".
        guard status == 202 || status == 200 else {
            // A refused request will be refused again; a timeout, a rate limit or a 5xx may pass later.
            throw Failure(reason: Self.explain(status, body), isPermanent: [400, 401, 403, 404].contains(status))
        }
    }

    /// Asks Kannel for a send without a number: a reachable smsbox that accepts the user answers
    /// that the receiver is missing; a wrong password is refused first (`doorstep check-config`).
    public func check() async throws {
        let (status, body) = try await post([], text: "check")
        // Kannel's own answer: the user is accepted, the receiver is missing. Any other web server
        // answering 400 would not say this.
        guard status == 400, body.lowercased().contains("missing receiver") else {
            throw Failure(reason: Self.explain(status, body), isPermanent: true)
        }
    }

    private func post(_ headers: [(String, String)], text: String) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: endpoint.absoluteString)
        request.method = .POST
        for (name, value) in [("Username", user), ("Password", password)] + headers { request.headers.add(name: "X-Kannel-\(name)", value: value) }
        // The charset tells Kannel how to read the body; it re-encodes to the coding asked for.
        request.headers.add(name: "Content-Type", value: "text/plain; charset=UTF-8")
        request.body = .bytes(ByteBuffer(string: text))
        do {
            let response = try await client.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 4096)
            return (Int(response.status.code), String(buffer: body))
        } catch {
            throw Failure(reason: "cannot reach Kannel at \(endpoint.host ?? "?"):\(endpoint.port.map(String.init) ?? "")", isPermanent: false)
        }
    }

    static func explain(_ status: Int, _ body: String) -> String {
        let said = body.trimmingCharacters(in: .whitespacesAndNewlines).prefix(120)
        switch status {
        case 403 where said.lowercased().contains("authorization"):
            return "Kannel refused the user or password (HTTP 403: \(said)): check the sendsms-user and DOORSTEP_SMS_PASSWORD"
        case 503: return "Kannel is up but cannot send now (HTTP 503: \(said))"
        default: return "Kannel answered HTTP \(status): \(said)"
        }
    }
}
