import ArgumentParser
import DoorstepCore
import DoorstepSecurity
import DoorstepServices
import DoorstepStorage
import Foundation

extension QualityPolicy: ExpressibleByArgument {}
extension PeoplePolicy: ExpressibleByArgument {}
extension HandoverProof: ExpressibleByArgument {}

struct TenantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant", abstract: "Manage tenants (carriers and shops).", subcommands: [Create.self, List.self, Settings.self, AddKey.self, Keys.self, RevokeKey.self])

    struct Settings: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show or change a tenant's privacy and evidence settings.")
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "Tenant id.") var tenant: String
        @Option(name: .long, help: "Photo retention in hours (1 to 2160).") var retentionHours: Int?
        @Option(name: .long, parsing: .upToNextOption, help: "Consent modes, e.g. FR=opt_in US=opt_out *=opt_out DE=off.")
        var consent: [String] = []
        @Option(name: .long, help: "What to do with a dark, blurred or tiny photo: flag (keep, ask for a retake) or reject.")
        var qualityPolicy: QualityPolicy?
        @Option(name: .long, help: "Location verdict radii in metres, AT_ADDRESS:NEAR, e.g. 50:250.") var radii: String?
        @Option(name: .long, help: "People in photos: blur (default), retake (refuse the photo), or off (needs --people-policy-reason).")
        var peoplePolicy: PeoplePolicy?
        @Option(name: .long, help: "The lawful reason for keeping people in photos (people policy off).") var peoplePolicyReason: String?
        @Option(name: .long, help: "Days a proof thumbnail outlives the photo, from upload, for card disputes (0 to 540; 0 keeps none).")
        var disputeWindowDays: Int?
        @Option(name: .long, help: "Photos a courier takes of a delivered parcel (1 to 3): the parcel close up, then where it stands.")
        var photosPerDelivery: Int?
        @Option(name: .long, help: "Proof of an attended delivery: code (the recipient's handover code, default) or signature (drawn on the courier's screen).")
        var handoverProof: HandoverProof?

        func run() async throws {
            let configuration = try common.configuration()
            let settings = try await withStore(configuration, logger: common.logger(configuration)) { store in
                guard var settings = try await store.tenant(id: tenant)?.settings else { throw ValidationError("no such tenant") }
                if let retentionHours { settings.retention = TimeInterval(retentionHours) * 3600 }
                for entry in consent {
                    let parts = entry.split(separator: "=").map(String.init)
                    guard parts.count == 2, let mode = ConsentMode(rawValue: parts[1]) else {
                        throw ValidationError("consent entries look like FR=opt_in (modes: opt_out, opt_in, off)")
                    }
                    settings.consentModes[parts[0] == "*" ? "*" : parts[0].uppercased()] = mode
                }
                if let qualityPolicy { settings.qualityPolicy = qualityPolicy }
                if let disputeWindowDays { settings.disputeWindow = TimeInterval(disputeWindowDays) * 86400 }
                if let photosPerDelivery { settings.photosPerDelivery = photosPerDelivery }
                if let handoverProof { settings.handoverProof = handoverProof }
                if peoplePolicyReason != nil, peoplePolicy != .off {
                    throw ValidationError("--people-policy-reason goes with --people-policy off")
                }
                if let peoplePolicy {
                    settings.peoplePolicy = peoplePolicy
                    settings.peoplePolicyReason = peoplePolicy == .off ? peoplePolicyReason : nil
                }
                if let radii {
                    let parts = radii.split(separator: ":").compactMap { Double($0) }
                    guard parts.count == 2 else { throw ValidationError("radii look like 50:250 (at address, near; metres)") }
                    settings.locationRadii = LocationRadii(atAddress: parts[0], near: parts[1])
                }
                settings = try settings.validated()
                try await store.updateSettings(settings, tenantID: tenant)
                return settings
            }
            print("retention: \(Int(settings.retention / 3600)) hours")
            for (region, mode) in settings.consentModes.sorted(by: { $0.key < $1.key }) { print("consent \(region): \(mode.rawValue)") }
            print("quality policy: \(settings.qualityPolicy.rawValue)")
            print("dispute window: \(Int(settings.disputeWindow / 86400)) days")
            print("photos per delivery: \(settings.photosPerDelivery)")
            print("handover proof: \(settings.handoverProof.rawValue)")
            print("people policy: \(settings.peoplePolicy.rawValue)" + (settings.peoplePolicyReason.map { " (\($0))" } ?? ""))
            print("location radii: at address ≤ \(Int(settings.locationRadii.atAddress)) m, near ≤ \(Int(settings.locationRadii.near)) m")
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a tenant and print its API key (shown once).")
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "The tenant's name.") var name: String

        func run() async throws {
            let configuration = try common.configuration()
            let created = try await withAccounts(configuration, logger: common.logger(configuration)) {
                try await $0.createTenant(name: name)
            }
            print("tenant id: \(created.tenant.id)")
            print("API key:   \(created.apiKey)")
            print("Store the API key now: it is shown only once and kept only as a hash.")
        }
    }

    struct AddKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-key", abstract: "Give a tenant another API key and print it (shown once): rotate by adding, then revoking the old.")
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "Tenant id.") var tenant: String

        func run() async throws {
            let configuration = try common.configuration()
            let key = try await withAccounts(configuration, logger: common.logger(configuration)) { accounts in
                guard try await accounts.tenant(id: tenant) != nil else { throw ValidationError("no such tenant") }
                return try await accounts.addAPIKey(tenantID: tenant)
            }
            print("API key: \(key)")
            print("Store it now: it is shown only once and kept only as a hash.")
        }
    }

    struct Keys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's API keys (ids and prefixes, never the keys).")
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "Tenant id.") var tenant: String

        func run() async throws {
            let configuration = try common.configuration()
            let keys = try await withStore(configuration, logger: common.logger(configuration)) { try await $0.apiKeys(tenantID: tenant) }
            for key in keys {
                print([key.id, key.prefix + "…", "created \(key.createdAt.formatted(.iso8601))",
                       key.revokedAt.map { "revoked \($0.formatted(.iso8601))" } ?? "live"].joined(separator: "  "))
            }
        }
    }

    struct RevokeKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke-key", abstract: "Revoke one of a tenant's API keys: refused from the next request on.")
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "Tenant id.") var tenant: String
        @Option(name: .long, help: "The key's id (see `tenant keys`).") var keyId: String

        func run() async throws {
            let configuration = try common.configuration()
            let revoked = try await withStore(configuration, logger: common.logger(configuration)) { store in
                try await store.revokeAPIKey(id: keyId, tenantID: tenant, at: Date())
            }
            guard revoked else { throw ValidationError("the tenant has no live key with that id") }
            print("revoked key \(keyId)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tenants.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let configuration = try common.configuration()
            let tenants = try await withStore(configuration, logger: common.logger(configuration)) {
                try await $0.tenants()
            }
            for tenant in tenants { print("\(tenant.id)  \(tenant.name)") }
        }
    }
}

struct CourierCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "courier", abstract: "Manage courier accounts.", subcommands: [Create.self, RevokeSessions.self, Disable.self, Enable.self])

    /// A courier of the tenant by login name, disabled or not; another tenant's is not found.
    static func named(_ username: String, tenant: String, in store: any AccountStore) async throws -> (courier: Courier, disabledAt: Date?) {
        guard let found = try await store.courier(username: username.lowercased()), found.courier.tenantID == tenant else {
            throw ValidationError("the tenant has no courier with that username")
        }
        return found
    }

    /// A courier of a tenant, named on the command line.
    struct CourierName: ParsableArguments {
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "Tenant id.") var tenant: String
        @Option(name: .long, help: "The courier's login name.") var username: String

        /// Disables the account now (`true`) or enables it again.
        func setDisabled(_ disabled: Bool) async throws {
            let configuration = try common.configuration()
            try await withStore(configuration, logger: common.logger(configuration)) { store in
                let courier = try await CourierCommand.named(username, tenant: tenant, in: store).courier
                try await store.setCourierDisabled(courierID: courier.id, at: disabled ? Date() : nil)
            }
            print("\(disabled ? "disabled" : "enabled") \(username.lowercased())")
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable a courier who left: their sessions end now and their password no longer signs in. Their photos and audit entries stay.")
        @OptionGroup var courier: CourierName

        func run() async throws { try await courier.setDisabled(true) }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let a disabled courier sign in again (with their password as it was).")
        @OptionGroup var courier: CourierName

        func run() async throws { try await courier.setDisabled(false) }
    }

    struct RevokeSessions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke-sessions", abstract: "Sign a courier out everywhere (a lost phone, a courier who left): every session ends now.")
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "Tenant id.") var tenant: String
        @Option(name: .long, help: "The courier's login name.") var username: String

        func run() async throws {
            let configuration = try common.configuration()
            let count = try await withStore(configuration, logger: common.logger(configuration)) { store in
                try await store.revokeCourierSessions(courierID: CourierCommand.named(username, tenant: tenant, in: store).courier.id)
            }
            print("ended \(count) session(s)")
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a courier. The password comes from DOORSTEP_COURIER_PASSWORD, or is generated and shown once.")
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "Tenant id.") var tenant: String
        @Option(name: .long, help: "Login name, unique across the server.") var username: String
        @Option(name: .long, help: "Name shown to operators.") var name: String

        func run() async throws {
            let configuration = try common.configuration()
            // Never a command-line flag: arguments are visible to every user in the process list.
            let given = Environment.value("DOORSTEP_COURIER_PASSWORD")
            let password = given ?? GeneratedPassword.make()
            let courier = try await withAccounts(configuration, logger: common.logger(configuration)) {
                try await $0.createCourier(tenantID: tenant, username: username, displayName: name, password: password)
            }
            print("courier id: \(courier.id)")
            print("username:   \(courier.username)")
            if given == nil {
                print("password:   \(password)")
                print("Give the password to the courier now: it is shown only once and kept only as a bcrypt hash.")
            }
        }
    }
}
