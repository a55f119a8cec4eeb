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
            guard contains(address), let reported = Self.address(inHop: hop) else { break }
            address = reported
        }
        return address
    }

    /// A hop as proxies write it: an address, or with a port (`203.0.113.7:4711`, `[2001:db8::1]:4711`).
    static func address(inHop hop: String) -> IPAddress? {
        if let address = IPAddress(literal: hop) { return address }
        if hop.hasPrefix("["), let close = hop.firstIndex(of: "]") { return IPAddress(literal: String(hop[hop.index(after: hop.startIndex)..<close])) }
        if hop.filter({ $0 == ":" }).count == 1, let colon = hop.firstIndex(of: ":") { return IPAddress(literal: String(hop[..<colon])) }
        return nil
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
