import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 address, to tell public ones from the rest.
public struct IPAddress: Equatable, Hashable, Sendable {
    /// 4 or 16 bytes, network order.
    public var bytes: [UInt8]

    /// A dotted quad or an IPv6 literal (brackets allowed); nil for a name.
    public init?(literal text: String) {
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

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// An IPv4 address seen through a dual-stack listener (`::ffff:a.b.c.d`) as itself.
    public var unmapped: IPAddress {
        guard bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF else { return self }
        return IPAddress(bytes: Array(bytes[12...]))
    }

    /// The client as per-address limits count it: an IPv4 address as itself, an IPv6 address by
    /// its /64, the block one subscriber is given; otherwise one client rotating through its
    /// 2^64 addresses would have a fresh allowance for each.
    public var limitKey: String {
        let address = unmapped
        guard address.bytes.count == 16 else { return address.text }
        return IPAddress(bytes: Array(address.bytes[0..<8]) + [UInt8](repeating: 0, count: 8)).text + "/64"
    }

    /// The address in its usual text form (`93.184.215.14`, `2606:4700::1111`).
    public var text: String {
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
    public var isPublic: Bool {
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

/// A block of addresses (`10.0.0.0/8`, `2001:db8::/32`, or one address), for the trusted proxies.
public struct IPNetwork: Sendable, Equatable {
    public var address: IPAddress
    public var prefixLength: Int

    /// `ADDRESS` or `ADDRESS/BITS`; nil when it is neither.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let address = IPAddress(literal: parts[0]) else { return nil }
        let bits = address.bytes.count * 8
        if parts.count == 2 {
            // Not /0: trusting every address as a proxy would believe anyone's X-Forwarded-For.
            guard let length = Int(parts[1]), (1...bits).contains(length) else { return nil }
            prefixLength = length
        } else {
            prefixLength = bits
        }
        self.address = address
    }

    /// An IPv4 address also matches in its IPv6-mapped form (`::ffff:10.0.0.1`), as a dual-stack
    /// listener reports it.
    public func contains(_ candidate: IPAddress) -> Bool {
        let bytes = candidate.bytes.count == 16 && address.bytes.count == 4 && candidate.bytes[0..<10].allSatisfy({ $0 == 0 })
            && candidate.bytes[10] == 0xFF && candidate.bytes[11] == 0xFF ? Array(candidate.bytes[12...]) : candidate.bytes
        guard bytes.count == address.bytes.count else { return false }
        var remaining = prefixLength
        for (mine, theirs) in zip(address.bytes, bytes) where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if mine & mask != theirs & mask { return false }
            remaining -= 8
        }
        return true
    }
}
