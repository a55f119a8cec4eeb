import Foundation
import Testing

@testable import DoorstepStorage

/// AWS's published SigV4 test suite (Tests/Fixtures/sigv4, from aws-c-auth, Apache-2.0): the
/// canonical request, string to sign and signature must match byte for byte.
@Suite struct SigV4Tests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var folder: URL
        var testDescription: String { name }
    }

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/sigv4")

    static let cases: [Case] = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
        .filter { FileManager.default.fileExists(atPath: folder.appendingPathComponent("\($0)/context.json").path) }
        .sorted().map { Case(name: $0, folder: folder.appendingPathComponent($0)) }

    struct Context: Decodable {
        struct Credentials: Decodable {
            var access_key_id: String
            var secret_access_key: String
            var token: String?
        }
        var credentials: Credentials
        var normalize: Bool
        var region: String
        var service: String
        var sign_body: Bool
        var timestamp: String
        var omit_session_token: Bool?
    }

    @Test func theSuiteIsThere() {
        #expect(Self.cases.count >= 30)
    }

    @Test(arguments: cases)
    func reproducesAWSsVectors(_ testCase: Case) throws {
        func read(_ name: String) throws -> String { try String(contentsOf: testCase.folder.appendingPathComponent(name), encoding: .utf8) }
        let context = try JSONDecoder().decode(Context.self, from: Data(try read("context.json").utf8))
        let request = try read("request.txt")
        let (head, body) = request.range(of: "\n\n").map { (String(request[..<$0.lowerBound]), String(request[$0.upperBound...])) } ?? (request, "")
        var lines = head.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let requestLine = lines.removeFirst().split(separator: " ")
        let method = String(requestLine[0])
        let target = requestLine[1..<(requestLine.count - 1)].joined(separator: " ")
        let (path, query) = target.firstIndex(of: "?").map { (String(target[..<$0]), String(target[target.index(after: $0)...])) } ?? (target, nil)
        // Header lines; a line starting with whitespace continues the previous value.
        var headers: [(String, String)] = []
        for line in lines where !line.isEmpty {
            if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].1 += "\n" + line
            } else if let colon = line.firstIndex(of: ":") {
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
        let formatter = ISO8601DateFormatter()
        let signer = SigV4Signer(
            credentials: .init(accessKeyID: context.credentials.access_key_id, secretAccessKey: context.credentials.secret_access_key,
                               sessionToken: context.credentials.token),
            region: context.region, service: context.service, normalizePath: context.normalize)
        let payload = Array(body.utf8)
        let signed = signer.sign(
            method: method, path: path, query: query, headers: headers,
            payloadHash: payload.isEmpty ? SigV4Signer.emptyPayloadHash : SHA256Hex.of(payload),
            date: try #require(formatter.date(from: context.timestamp)), signPayloadHeader: context.sign_body,
            signSessionToken: context.omit_session_token != true)
        #expect(signed.canonicalRequest == (try read("header-canonical-request.txt")))
        #expect(signed.stringToSign == (try read("header-string-to-sign.txt")))
        #expect(signed.signature == (try read("header-signature.txt")).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

import Crypto

enum SHA256Hex {
    static func of(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }
}
