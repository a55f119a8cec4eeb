import ArgumentParser
import DoorstepSecurity
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

struct ReceiptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receipt", abstract: "Delivery receipts.", subcommands: [Verify.self])

    /// Needs no server and no data folder: the published keys, saved once, are enough.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a receipt's signature against the tenant's published key; print what it states.")
        @Argument(help: "The receipt file: JSON as downloaded, or its compact JWS (application/jose).") var file: String
        @Option(name: .long, help: "The keys: a saved doorstep-keys.json or jwks.json, or the server's https://…/.well-known/doorstep-keys.json (or jwks.json)")
        var keys: String

        struct KeySet: Decodable { var keys: [PublishedKey] }

        func run() async throws {
            let receiptData = try Data(contentsOf: URL(fileURLWithPath: file))
            let keyData: Data
            if keys.hasPrefix("http://") || keys.hasPrefix("https://"), let url = URL(string: keys) {
                keyData = try await URLSession.shared.data(from: url).0
            } else {
                keyData = try Data(contentsOf: URL(fileURLWithPath: keys))
            }
            // A JWK Set names keys by `kid` only; a doorstep-keys.json also by tenant. Either verifies.
            let published = try? JSONDecoder().decode(KeySet.self, from: keyData)
            guard let jwks = published.map({ JSONWebKeySet($0.keys) }) ?? (try? JSONDecoder().decode(JSONWebKeySet.self, from: keyData)) else {
                throw failure("the keys file is neither a doorstep-keys.json nor a JWK Set")
            }
            do {
                let (signer, payload) = try verify(receiptData, published: published?.keys, jwks: jwks)
                let object = try JSONSerialization.jsonObject(with: Data(payload))
                let pretty = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                print("valid: signed by \(signer)")
                print(String(decoding: pretty, as: UTF8.self))
            } catch let error as SignedReceipt.VerificationError {
                throw failure("INVALID: \(error)")
            }
        }

        /// Who signed it and the payload. A receipt file's `jws`, when it has one, must verify and
        /// state the same payload as its `signature`: a file whose two halves disagree is refused.
        private func verify(_ data: Data, published: [PublishedKey]?, jwks: JSONWebKeySet) throws(SignedReceipt.VerificationError) -> (String, [UInt8]) {
            guard let receipt = try? JSONDecoder().decode(SignedReceipt.self, from: data) else {
                guard let token = String(data: data, encoding: .utf8) else { throw .malformed }
                let verified = try CompactJWS.verify(token, against: jwks)
                let tenant = jwks.keys.first { $0.kid == verified.keyID }?.tenantID.map { "tenant \($0) " } ?? ""
                return ("\(tenant)with key \(verified.keyID)", verified.payload)
            }
            let payload: [UInt8]
            var tenant = receipt.tenantID
            if let published {
                payload = try receipt.verify(against: published)
            } else {
                // The file's own tenant_id is not signed: name the tenant the key set gives the key.
                guard let jws = receipt.jws else { throw .unknownKey }
                let verified = try CompactJWS.verify(jws, against: jwks)
                payload = verified.payload
                tenant = jwks.keys.first { $0.kid == verified.keyID }?.tenantID ?? "(not named by the key set)"
            }
            if let jws = receipt.jws {
                let verified = try CompactJWS.verify(jws, against: jwks)
                guard verified.payload == payload, verified.keyID == receipt.keyID else { throw .badSignature }
            }
            return ("tenant \(tenant) with key \(receipt.keyID)", payload)
        }

        private func failure(_ message: String) -> ExitCode {
            FileHandle.standardError.write(Data((message + "\n").utf8))
            return ExitCode(1)
        }
    }
}
