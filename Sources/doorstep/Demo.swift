import ArgumentParser
import DoorstepCore
import DoorstepSecurity
import DoorstepServices
import Foundation

/// Creates a demo tenant, courier and deliveries in a data folder (the server may be running on
/// it: SQLite's WAL mode lets both work on the file), and prints what is needed to try Doorstep.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create demo data and print how to try it.")

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "How many deliveries to create.")
    var count: Int = 3

    @Flag(name: .long, help: "Print one JSON object for scripts and load tests.")
    var json = false

    struct Output: Encodable {
        var baseURL: String
        var tenantID: String
        var apiKey: String
        var courierUsername: String
        var courierToken: String
        var deliveries: [Item]

        struct Item: Encodable {
            var id: String
            var uploadURL: String
            var customerURL: String
            enum CodingKeys: String, CodingKey { case id, uploadURL = "upload_url", customerURL = "customer_url" }
        }

        enum CodingKeys: String, CodingKey {
            case baseURL = "base_url", tenantID = "tenant_id", apiKey = "api_key", courierUsername = "courier_username"
            case courierToken = "courier_token", deliveries
        }
    }

    func run() async throws {
        guard (1...10_000).contains(count) else { throw ValidationError("--count must be 1 to 10000") }
        // The server's settings: its address (--base-url, or --hostname and --port) goes into the links.
        let configuration = try common.configuration(.server)
        let password = GeneratedPassword.make()
        let suffix = String(UUID().uuidString.prefix(8)).lowercased()
        let (output, username) = try await withServices(configuration, logger: common.logger(configuration)) { app in
            let created = try await app.accounts.createTenant(name: "Demo shop \(suffix)")
            let courier = try await app.accounts.createCourier(
                tenantID: created.tenant.id, username: "demo-\(suffix)", displayName: "Demo courier", password: password)
            let session = try await app.accounts.openSession(for: courier)
            var items: [Output.Item] = []
            for index in 0..<count {
                let delivery = try await app.deliveries.create(Self.sampleDelivery(index, suffix: suffix, courierID: courier.id), for: created.tenant)
                items.append(.init(id: delivery.id, uploadURL: app.links.uploadURL(for: delivery),
                                   customerURL: app.links.customerURL(for: delivery)))
            }
            return (Output(baseURL: configuration.resolvedBaseURL, tenantID: created.tenant.id, apiKey: created.apiKey,
                           courierUsername: courier.username, courierToken: session.token, deliveries: items),
                    courier.username)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(output), as: UTF8.self))
        } else {
            printGuide(output, username: username, password: password)
        }
    }

    static func sampleDelivery(_ index: Int, suffix: String, courierID: String) -> NewDelivery {
        let streets = ["12 Rose Lane", "4 Rue des Lilas", "87 Harbour Road", "3 Place du Marché", "150 Elm Street"]
        let language: Language = index % 2 == 0 ? .en : .fr
        return NewDelivery(
            orderReference: "DEMO-\(suffix)-\(index + 1)",
            recipient: Recipient(name: language == .en ? "Alex Demo" : "Camille Démo",
                                 email: "customer\(index + 1)@example.com", language: language),
            address: streets[index % streets.count],
            latitude: 48.8566 + Double(index) * 0.001, longitude: 2.3522 + Double(index) * 0.001,
            instructions: index % 2 == 0 ? "Leave behind the blue flower pot" : "Sonner deux fois",
            courierID: courierID)
    }

    private func printGuide(_ output: Output, username: String, password: String) {
        print("""
            Demo data created.

              API key (tenant):   \(output.apiKey)
              Courier login:      \(username) / \(password)
              Courier token:      \(output.courierToken)

            Deliveries:
            """)
        for item in output.deliveries {
            print("  \(item.id)\n    customer page: \(item.customerURL)")
        }
        if let first = output.deliveries.first {
            print("""

                Upload a photo for the first delivery:
                  curl -X POST -H 'Authorization: Bearer \(output.courierToken)' -H 'Content-Type: image/jpeg' \\
                       -H "Idempotency-Key: $(uuidgen || date +%s)" --data-binary @photo.jpg \\
                       '\(first.uploadURL)?placement=front_door&lat=48.8566&lon=2.3522&note=Behind%20the%20pot'
                Then open its customer page in a browser.
                """)
        }
    }
}
