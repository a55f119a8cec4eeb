import ArgumentParser
import DoorstepCore
import DoorstepSecurity
import DoorstepServices
import Foundation

extension OperatorRole: ExpressibleByArgument {}

struct OperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operator", abstract: "Manage the accounts of a tenant's staff, who sign in to the operator console at /operator.",
        subcommands: [Create.self, List.self, Disable.self, Enable.self, ResetTwoStep.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an operator. The password comes from DOORSTEP_OPERATOR_PASSWORD, or is generated and shown once.")
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "Tenant id.") var tenant: String
        @Option(name: .long, help: "Sign-in name, unique across the server.") var username: String
        @Option(name: .long, help: "The person's name, shown in the console and the audit trail.") var name: String
        @Option(name: .long, help: "admin (everything) or support (deliveries and cases; no settings, webhooks or keys).")
        var role: OperatorRole

        func run() async throws {
            let configuration = try common.configuration()
            // Never a command-line flag: arguments are visible to every user in the process list.
            let given = Environment.value("DOORSTEP_OPERATOR_PASSWORD")
            let password = given ?? GeneratedPassword.make()
            let account = try await withOperators(configuration, logger: common.logger(configuration)) {
                try await $0.create(tenantID: tenant, username: username, displayName: name, role: role, password: password, by: .operatorCLI, actorID: nil)
            }
            print("operator id: \(account.id)")
            print("username:    \(account.username)")
            print("role:        \(account.role.rawValue)")
            if given == nil {
                print("password:    \(password)")
                print("Give the password to the person now: it is shown only once and kept only as a bcrypt hash.")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's operators.")
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "Tenant id.") var tenant: String

        func run() async throws {
            let configuration = try common.configuration()
            let found = try await withStore(configuration, logger: common.logger(configuration)) { try await $0.operators(tenantID: tenant) }
            for (account, disabledAt) in found {
                print("\(account.id)  \(account.username)  \(account.role.rawValue)" + (disabledAt == nil ? "" : "  disabled"))
            }
        }
    }

    /// One of a tenant's operators, named on the command line.
    struct OperatorName: ParsableArguments {
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "Tenant id.") var tenant: String
        @Option(name: .long, help: "The operator's sign-in name.") var username: String

        func setDisabled(_ disabled: Bool) async throws {
            let configuration = try common.configuration()
            try await withOperators(configuration, logger: common.logger(configuration)) { operators in
                do {
                    try await operators.setDisabled(disabled, username: username, tenantID: tenant, by: .operatorCLI, actorID: nil)
                } catch DoorstepError.notFound {
                    throw ValidationError("the tenant has no operator with that username")
                }
            }
            print("\(disabled ? "disabled" : "enabled") \(username.lowercased())")
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable an operator who left: their console sessions end now.")
        @OptionGroup var account: OperatorName

        func run() async throws { try await account.setDisabled(true) }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let a disabled operator sign in again (with their password as it was).")
        @OptionGroup var account: OperatorName

        func run() async throws { try await account.setDisabled(false) }
    }

    struct ResetTwoStep: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-two-step",
            abstract: "Turn off an operator's two-step sign-in (a lost phone): they sign in with their password until they turn it on again.")
        @OptionGroup var account: OperatorName

        func run() async throws {
            let configuration = try account.common.configuration()
            try await withOperators(configuration, logger: account.common.logger(configuration)) { operators in
                do {
                    try await operators.resetTwoStep(username: account.username, tenantID: account.tenant, by: .operatorCLI, actorID: nil)
                } catch DoorstepError.notFound {
                    throw ValidationError("the tenant has no operator with that username")
                }
            }
            print("two-step sign-in is off for \(account.username.lowercased())")
        }
    }
}
