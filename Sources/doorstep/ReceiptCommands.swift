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
        @Argument(help: "The receipt file (JSON, as downloaded).") var file: String
        @Option(name: .long, help: "The keys: a saved doorstep-keys.json, or the server's https://…/.well-known/doorstep-keys.json")
        var keys: String

        struct KeySet: Decodable { var keys: [PublishedKey] }

        func run() async throws {
            let receiptData = try Data(contentsOf: URL(fileURLWithPath: file))
            guard let receipt = try? JSONDecoder().decode(SignedReceipt.self, from: receiptData) else {
                throw failure("not a Doorstep receipt")
            }
            let keyData: Data
            if keys.hasPrefix("http://") || keys.hasPrefix("https://"), let url = URL(string: keys) {
                keyData = try await URLSession.shared.data(from: url).0
            } else {
                keyData = try Data(contentsOf: URL(fileURLWithPath: keys))
            }
            guard let published = try? JSONDecoder().decode(KeySet.self, from: keyData) else { throw failure("the keys file is not a doorstep-keys.json") }
            do {
                let payload = try receipt.verify(against: published.keys)
                let object = try JSONSerialization.jsonObject(with: Data(payload))
                let pretty = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                print("valid: signed by tenant \(receipt.tenantID) with key \(receipt.keyID)")
                print(String(decoding: pretty, as: UTF8.self))
            } catch {
                throw failure("INVALID: \(error)")
            }
        }

        private func failure(_ message: String) -> ExitCode {
            FileHandle.standardError.write(Data((message + "\n").utf8))
            return ExitCode(1)
        }
    }
}
