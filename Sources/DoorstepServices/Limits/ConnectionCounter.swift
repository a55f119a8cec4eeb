import Synchronization

/// Open connections per client address, so one address cannot hold every file descriptor the
/// server has (half-open requests, each kept until the idle timeout). Trusted proxies carry
/// everyone's connections and are not counted. Only addresses with a connection open are kept.
public final class ConnectionCounter: Sendable {
    public let maxPerAddress: Int
    private let proxies: TrustedProxies
    private let open = Mutex<[IPAddress: Int]>([:])

    public init(maxPerAddress: Int, proxies: TrustedProxies) {
        self.maxPerAddress = maxPerAddress
        self.proxies = proxies
    }

    /// Counts a new connection from `address`; false (and not counted) when it would be one too many.
    public func open(_ address: IPAddress) -> Bool {
        if proxies.contains(address) { return true }
        return open.withLock { open in
            let count = open[address, default: 0]
            guard count < maxPerAddress else { return false }
            open[address] = count + 1
            return true
        }
    }

    /// A connection `open` let in has closed.
    public func close(_ address: IPAddress) {
        if proxies.contains(address) { return }
        open.withLock { open in
            let count = open[address, default: 0]
            open[address] = count > 1 ? count - 1 : nil
        }
    }

    public func count(_ address: IPAddress) -> Int { open.withLock { $0[address, default: 0] } }
}
