import DoorstepCore
import Foundation
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

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
            throw DeliveryFailure(reason: "the receiver's host name did not resolve")
        }
        guard let first = addresses.first else { throw DeliveryFailure(reason: "the receiver's host name did not resolve") }
        guard addresses.allSatisfy(\.isPublic) else {
            throw DeliveryFailure(reason: "the receiver's address is private, loopback or link-local; not sent", permanent: true)
        }
        return first.text
    }

    /// getaddrinfo blocks; a tenant's slow DNS server must hold these threads only, never the
    /// blob store's or the image workers'. One for the process, never shut down.
    static let resolver = BlockingWorkPool(threads: 2, maxQueued: 32)
}

/// An IPv4 or IPv6 address, to tell public ones from the rest.
struct IPAddress: Equatable {
    /// 4 or 16 bytes, network order.
    var bytes: [UInt8]

    /// A dotted quad or an IPv6 literal (brackets allowed); nil for a name.
    init?(literal text: String) {
        let bare = text.hasPrefix("[") && text.hasSuffix("]") ? String(text.dropFirst().dropLast()) : text
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, bare, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, bare, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// The address in its usual text form (`93.184.215.14`, `2606:4700::1111`).
    var text: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        _ = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Every address `host` resolves to (getaddrinfo: also reads numeric forms such as `2130706433`).
    static func resolve(_ host: String) throws -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { throw ResolutionFailed() }
        defer { freeaddrinfo(first) }
        var addresses: [IPAddress] = []
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let entry = next {
            if let address = entry.pointee.ai_addr {
                switch Int32(entry.pointee.ai_family) {
                case AF_INET:
                    address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                        var raw = $0.pointee.sin_addr
                        addresses.append(IPAddress(bytes: withUnsafeBytes(of: &raw) { Array($0) }))
                    }
                case AF_INET6:
                    address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                        var raw = $0.pointee.sin6_addr
                        addresses.append(IPAddress(bytes: withUnsafeBytes(of: &raw) { Array($0) }))
                    }
                default: break
                }
            }
            next = entry.pointee.ai_next
        }
        return addresses
    }

    struct ResolutionFailed: Error {}

    /// IPv4: false for loopback, private, shared (CGNAT), link-local, multicast, unspecified,
    /// documentation and reserved ranges. IPv6: only global unicast (2000::/3) can be public, less
    /// the blocks that are not (documentation, Teredo, benchmarking, ORCHID, the 3fff::/20
    /// documentation block); addresses that carry an IPv4 address (::/96, ::ffff:0:0/96,
    /// 64:ff9b::/96 NAT64, 2002::/16 6to4) are judged by the one they carry.
    var isPublic: Bool {
        if bytes.count == 4 { return Self.isPublicV4(bytes) }
        guard bytes.count == 16 else { return false }
        let b = bytes
        let tail = Array(b[12..<16])
        if b[0..<10].allSatisfy({ $0 == 0 }) && ((b[10] == 0xFF && b[11] == 0xFF) || (b[10] == 0 && b[11] == 0)) {
            return b[0..<15].allSatisfy({ $0 == 0 }) ? false : Self.isPublicV4(tail)  // ::, ::1, ::a.b.c.d, ::ffff:a.b.c.d
        }
        if b[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0][...] { return Self.isPublicV4(tail) }  // 64:ff9b::/96
        if b[0] == 0x20 && b[1] == 0x02 { return Self.isPublicV4(Array(b[2..<6])) }  // 2002:a.b.c.d::/48, 6to4
        guard b[0] & 0xE0 == 0x20 else { return false }  // outside 2000::/3: ULA, link-local, multicast, reserved, local-use NAT64
        if b[0] == 0x20 && b[1] == 0x01 {
            if b[2] == 0x0D && b[3] == 0xB8 { return false }  // 2001:db8::/32 documentation
            if b[2] == 0 && b[3] == 0 { return false }  // 2001::/32 Teredo
            if b[2] == 0 && (b[3] == 0x02 || b[3] & 0xF0 == 0x10 || b[3] & 0xF0 == 0x20) { return false }  // benchmarking, ORCHID(v2)
        }
        if b[0] == 0x3F && b[1] & 0xF0 == 0xF0 { return false }  // 3fff::/20 documentation
        return true
    }

    private static func isPublicV4(_ b: [UInt8]) -> Bool {
        switch (b[0], b[1], b[2]) {
        case (0, _, _), (10, _, _), (127, _, _): return false
        case (100, 64...127, _): return false  // shared address space (CGNAT)
        case (169, 254, _): return false  // link-local, cloud metadata
        case (172, 16...31, _), (192, 168, _): return false
        case (192, 0, 0), (192, 0, 2), (198, 51, 100), (203, 0, 113): return false  // special, documentation
        case (198, 18...19, _): return false  // benchmarking
        case (224...255, _, _): return false  // multicast, reserved, broadcast
        default: return true
        }
    }
}
