import Foundation
import Logging
import SQLKit
import Testing

@testable import DoorstepStorage

/// TLS to PostgreSQL as a carrier's managed database asks for it, against the test server that
/// scripts/test-services starts with TLS on and a certificate for `db.doorstep.test` from a CA
/// made at test time (DOORSTEP_TEST_POSTGRES_CA).
private let testPostgres = ProcessInfo.processInfo.environment["DOORSTEP_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
private let testAuthority = ProcessInfo.processInfo.environment["DOORSTEP_TEST_POSTGRES_CA"].flatMap { $0.isEmpty ? nil : $0 }

@Suite(.enabled(if: testPostgres != nil && testAuthority != nil))
struct PostgresTLSTests {
    var ca: String { testAuthority ?? "" }

    /// The test server's URL with another host name and these parameters.
    func url(host: String, _ query: String) throws -> String {
        let admin = try #require(testPostgres)
        var components = try #require(URLComponents(string: admin))
        components.host = host
        components.percentEncodedQuery = query.isEmpty ? nil : query
        return try #require(components.string)
    }

    /// Whether the connection `url` makes is encrypted, as the server sees it.
    func encrypted(_ url: String) async throws -> Bool {
        let source = try await PostgresClientSource.open(url: url, size: 1, logger: Logger(label: "test"))
        do {
            let row = try await source.withConnection { db in
                try await db.raw("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").first()
            }
            try await source.shutdown()
            return try #require(row).decode(column: "ssl", as: Bool.self)
        } catch {
            try? await source.shutdown()
            throw error
        }
    }

    func refusal(_ url: String) async throws -> String {
        do {
            let source = try await PostgresClientSource.open(url: url, size: 1, logger: Logger(label: "test"))
            try await source.shutdown()
        } catch let error as StoreConfigurationError {
            return error.description
        }
        Issue.record("\(url) connected but should not have")
        return ""
    }

    @Test func verifyFullConnectsToTheNameOnTheCertificate() async throws {
        let verified = try await encrypted(url(host: "db.doorstep.test", "hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert=\(ca)"))
        #expect(verified)
    }

    @Test func aCertificateForAnotherHostIsRefusedInWords() async throws {
        let said = try await refusal(url(host: "localhost", "sslmode=verify-full&sslrootcert=\(ca)"))
        #expect(said.contains("TLS failed (sslmode=verify-full)"), "\(said)")
        #expect(said.contains("localhost"))
        // An address cannot be checked against a certificate's names: refused before connecting.
        let address = try await refusal(url(host: "127.0.0.1", "sslmode=verify-full&sslrootcert=\(ca)"))
        #expect(address.contains("needs the server's host name"), "\(address)")
    }

    @Test func aCertificateFromAnUntrustedAuthorityIsRefused() async throws {
        let said = try await refusal(url(host: "db.doorstep.test", "hostaddr=127.0.0.1&sslmode=verify-full"))
        #expect(said.contains("TLS failed"), "\(said)")
    }

    @Test func requireAndPreferEncryptWithoutCheckingAndDisableDoesNot() async throws {
        let required = try await encrypted(url(host: "127.0.0.1", "sslmode=require"))
        let preferred = try await encrypted(url(host: "127.0.0.1", ""))  // prefer, as libpq: the server offers TLS
        let disabled = try await encrypted(url(host: "127.0.0.1", "sslmode=disable"))
        let chainOnly = try await encrypted(url(host: "127.0.0.1", "sslmode=verify-ca&sslrootcert=\(ca)"))
        #expect(required && preferred && !disabled && chainOnly)
    }

    @Test func unknownParametersAndModesAreNamed() throws {
        #expect(throws: StoreConfigurationError.self) { try PostgresURL("postgres://u@h/db?sslmode=always") }
        #expect(throws: StoreConfigurationError.self) { try PostgresURL("postgres://u@h/db?ssl=true") }
        #expect(try PostgresURL("postgres://u@h/db").sslMode == .prefer)
        #expect(try PostgresURL("postgres://u@h:6543/db?sslmode=verify-full&sslrootcert=/ca.pem").rootCertificate == "/ca.pem")
    }
}
