import Foundation

/// The reverse proxies (load balancers, TLS terminators) whose `X-Forwarded-For` is believed.
/// Anyone can send that header, so it is read only when the connection comes from one of these,
/// and only as far back as the hops they added: from the right, each address a trusted proxy
/// reported is taken while the one before it is trusted too. The first untrusted address is the
/// client; with no proxies configured the header is never read.
public struct TrustedProxies: Sendable {
    public var networks: [IPNetwork]

    public init(_ networks: [IPNetwork] = []) {
        self.networks = networks
    }

    public func contains(_ address: IPAddress) -> Bool {
        networks.contains { $0.contains(address) }
    }

    /// The client's address, given the connection's peer and the request's `X-Forwarded-For`
    /// header lines. A hop that is not an address ends the walk at the proxy that sent it.
    public func clientAddress(peer: IPAddress, forwardedFor: [String]) -> IPAddress {
        guard !networks.isEmpty else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        var address = peer
        for hop in hops.reversed() {
            guard contains(address), let reported = IPAddress(literal: hop) else { break }
            address = reported
        }
        return address
    }

    /// Reads `ADDRESS[/BITS],…`; an empty text trusts no one.
    public static func parse(_ text: String) throws(SettingError) -> TrustedProxies {
        var networks: [IPNetwork] = []
        for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            guard let network = IPNetwork(item) else {
                throw SettingError(description: "must be addresses or networks such as 10.0.0.0/8,fd00::/8 (not '\(item)')")
            }
            networks.append(network)
        }
        return TrustedProxies(networks)
    }
}
