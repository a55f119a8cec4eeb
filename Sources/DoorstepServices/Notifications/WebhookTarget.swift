import DoorstepCore
import Foundation
import NIOPosix

/// Where a tenant may send webhooks. A webhook URL is chosen by a tenant, so without this the
/// server would POST wherever it is told: its own loopback ports, the cloud's metadata service
/// (169.254.169.254), the carrier's private network. Checked twice: the URL's shape when it is
/// saved, and every address its host resolves to just before each send (so `localhost`,
/// `2130706433` or a name that resolves inside are refused too). Redirects are never followed.
public struct WebhookTargetPolicy: Sendable {
    /// Longer URLs are refused when saved (a few hundred KB once crashed the HTTP client).
    public static let maxURLLength = 2048
    /// Receivers on private or loopback addresses: for deployments whose receivers live inside
    /// (and for tests on loopback). Off by default.
    public var allowPrivateNetworks: Bool

    static let internalNames = ["localhost", "local", "internal", "home.arpa", "localdomain"]

    public init(allowPrivateNetworks: Bool = false) {
        self.allowPrivateNetworks = allowPrivateNetworks
    }

    /// The URL a tenant may save: http(s), a host, no credentials, not too long; an address
    /// literal must be public.
    public func validate(_ text: String) throws(DoorstepError) -> URL {
        guard text.utf8.count <= Self.maxURLLength else {
            throw .invalidInput(field: "url", reason: "must be at most \(Self.maxURLLength) characters")
        }
        guard let url = URL(string: text), let components = URLComponents(string: text),
              ["http", "https"].contains(url.scheme?.lowercased() ?? ""), let host = components.host, !host.isEmpty
        else { throw .invalidInput(field: "url", reason: "must be an http or https URL") }
        guard components.user == nil, components.password == nil else {
            throw .invalidInput(field: "url", reason: "must not carry a user name or password; sign with the endpoint secret instead")
        }
        if !allowPrivateNetworks, let address = IPAddress(literal: host), !address.isPublic {
            throw .invalidInput(field: "url", reason: "must be a public address, not a private, loopback or link-local one")
        }
        // Names that can only ever mean this machine or its own network (RFC 6761 and 6762):
        // refused when saved, so an integrator hears it now rather than from a dead delivery log.
        let name = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        if !allowPrivateNetworks, Self.internalNames.contains(where: { name == $0 || name.hasSuffix("." + $0) }) {
            throw .invalidInput(field: "url", reason: "must name a public host, not localhost or a local-network name")
        }
        return url
    }

    /// Resolves `host` and refuses if any of its addresses is not public: a name must not lead
    /// inside by any of its records. Returns the address to connect to, so the connection goes
    /// where the check looked (a name that answers differently a moment later, DNS rebinding,
    /// is not asked again); nil when private networks are allowed (no pinning needed).
    /// The blocking resolver runs on threads of its own, bounded in number and in time.
    func checkDestination(host: String, within limit: Duration = .seconds(5)) async throws(DeliveryFailure) -> String? {
        if allowPrivateNetworks { return nil }
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let addresses: [IPAddress]
        do {
            addresses = try await Deadline.run(after: limit) { try await Self.resolver.run { try IPAddress.resolve(bare) } }
        } catch {
            throw DeliveryFailure.noAnswer
        }
        guard let first = addresses.first else { throw DeliveryFailure.noAnswer }
        guard addresses.allSatisfy(\.isPublic) else {
            throw DeliveryFailure(reason: "the receiver's address is private, loopback or link-local; not sent", permanent: true)
        }
        return first.text
    }

    /// getaddrinfo blocks; a tenant's slow DNS server must hold these threads only, never the
    /// blob store's or the image workers'. One for the process, never shut down.
    static let resolver = BlockingWorkPool(threads: 2, maxQueued: 32)
}
