import ArgumentParser
import DoorstepCore
import DoorstepServices
import Foundation

struct EvidenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence", abstract: "Evidence for payment disputes.", subcommands: [Pack.self])

    /// The same pack as `GET /api/v1/deliveries/{id}/evidence.pdf` and `/evidence`, for an
    /// operator at a terminal; reading the photo is audited as a download by the operator.
    struct Pack: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a delivery's evidence pack: the PDF, and beside it (same name, .json) the fields Stripe, PayPal and Braintree take.")
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "Tenant id.") var tenant: String
        @Option(name: .long, help: "Delivery id.") var delivery: String
        @Option(name: .long, help: "Language of the pack: en, fr, de, es, it or nl (default: the recipient's).") var language: String?
        @Option(name: .long, help: "Where to write the PDF (default: proof-of-delivery-<order>.pdf here).") var out: String?

        func run() async throws {
            let chosen = try language.map { code in
                guard let language = Language(rawValue: code) else { throw ValidationError("--language: one of en, fr, de, es, it, nl") }
                return language
            }
            let configuration = try common.configuration()
            let (pack, mapping) = try await withServices(configuration, logger: common.logger(configuration)) { app in
                guard let tenant = try await app.store.tenant(id: tenant) else { throw ValidationError("no tenant \(tenant)") }
                let delivery = try await app.deliveries.get(delivery, for: tenant)
                let pack = try await app.evidencePacks.pdf(for: delivery, tenant: tenant, language: chosen, by: .operatorCLI, actorID: nil)
                let mapping = try await app.evidencePacks.mapping(
                    for: delivery, tenant: tenant, language: chosen, pdfPath: "/api/v1/deliveries/\(delivery.id)/evidence.pdf")
                return (pack, mapping)
            }
            let pdfPath = out ?? pack.fileName
            let jsonPath = (pdfPath.hasSuffix(".pdf") ? String(pdfPath.dropLast(4)) : pdfPath) + ".json"
            try Data(pack.pdf).write(to: URL(fileURLWithPath: pdfPath))
            try APIJSON.encoder.encode(mapping).write(to: URL(fileURLWithPath: jsonPath))
            print("wrote \(pdfPath) (\(pack.pages) page\(pack.pages == 1 ? "" : "s"), \(pack.pdf.count) bytes) and \(jsonPath)")
        }
    }
}
