import Synchronization

/// Open connections per client address, so one address cannot hold every file descriptor the
/// server has (half-open requests, each kept until the idle timeout). Trusted proxies carry
/// everyone's connections and are not counted. Only addresses with a connection open are kept.
public final class ConnectionCounter: Sendable {
    public let maxPerAddress: Int
    private let proxies: TrustedProxies
    /// By `IPAddress.limitKey`: an IPv6 client's /64 is one client.
    private let open = Mutex<[String: Int]>([:])

    public init(maxPerAddress: Int, proxies: TrustedProxies) {
        self.maxPerAddress = maxPerAddress
        self.proxies = proxies
    }

    /// Counts a new connection from `address`; false (and not counted) when it would be one too many.
    public func open(_ address: IPAddress) -> Bool {
        if proxies.contains(address) { return true }
        let key = address.limitKey
        return open.withLock { open in
            let count = open[key, default: 0]
            guard count < maxPerAddress else { return false }
            open[key] = count + 1
            return true
        }
    }

    /// A connection `open` let in has closed.
    public func close(_ address: IPAddress) {
        if proxies.contains(address) { return }
        let key = address.limitKey
        open.withLock { open in
            let count = open[key, default: 0]
            open[key] = count > 1 ? count - 1 : nil
        }
    }

    public func count(_ address: IPAddress) -> Int { open.withLock { $0[address.limitKey, default: 0] } }
}
