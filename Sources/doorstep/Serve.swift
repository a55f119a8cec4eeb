import ArgumentParser
import DoorstepServer
import DoorstepServices
import Foundation
import Hummingbird

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the server (the default command).",
        discussion: "Settings, each a flag or an environment variable:\n" + Setting.helpText(.server))

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let configuration = try common.configuration(.server)
        let logger = common.logger(configuration)
        let (hostname, data) = (configuration.hostname, configuration.dataDirectory.path)
        try await withServices(configuration, logger: logger) { services in
            do {
                try services.infrastructure.images.start()
            } catch {
                throw ValidationError("\(error); DOORSTEP_DECODER_ISOLATION=off decodes in the server instead (trusted input only)")
            }
            let app = try buildApplication(services) { port in
                logger.notice("Doorstep is serving", metadata: [
                    "address": "\(hostname):\(port)",
                    "data": "\(data)",
                ])
            }
            try await app.runService()
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or upgrade the database schema, then exit.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let configuration = try common.configuration()
        try await withStore(configuration, logger: common.logger(configuration), migrate: true) { _ in
            print("schema is up to date")
        }
    }
}

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Try every configured connection (database, photo store, mail) and say what is wrong; exit 1 if anything is.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let configuration = try common.configuration(.server)
        let findings = await ConfigurationCheck.run(configuration, logger: common.logger(configuration))
        for finding in findings {
            print("\(finding.status.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0))\(finding.subject.padding(toLength: 9, withPad: " ", startingAt: 0))\(finding.detail)")
        }
        if findings.contains(where: { $0.status == .failed }) { throw ExitCode(1) }
    }
}
