import DoorstepCore
import Foundation
import Synchronization
import Testing

@testable import DoorstepServices

@Suite struct RateLimitTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// A burst of `count` goes through, the next waits exactly one interval; time refills it at
    /// `count` per `period`, and another key is not affected.
    @Test func aBurstThenTheAverageRate() {
        let limiter = RateLimiter(RatePolicy(count: 5, per: 60))
        for _ in 0..<5 { #expect(limiter.take("a", now: start) == nil) }
        #expect(limiter.take("a", now: start) == 12)
        #expect(limiter.take("b", now: start) == nil)
        #expect(limiter.take("a", now: start.addingTimeInterval(11)) == 1)
        #expect(limiter.take("a", now: start.addingTimeInterval(12)) == nil)
        #expect(limiter.take("a", now: start.addingTimeInterval(12)) != nil)
        // A minute of quiet gives the whole burst back, no more.
        let later = start.addingTimeInterval(300)
        for _ in 0..<5 { #expect(limiter.take("a", now: later) == nil) }
        #expect(limiter.take("a", now: later) != nil)
    }

    /// A flood of invented keys cannot grow the table past its capacity; what goes first is what
    /// is closest to being forgiven anyway, so the latest keys stay held back.
    @Test func memoryIsBoundedAndTheLatestKeysStayCounted() {
        let limiter = RateLimiter(RatePolicy(count: 1, per: 3600), capacity: 100)
        for index in 0..<1_000 { #expect(limiter.take("key\(index)", now: start.addingTimeInterval(Double(index))) == nil) }
        #expect(limiter.tracked <= 100)
        #expect(limiter.take("key999", now: start.addingTimeInterval(1_000)) != nil)
        #expect(limiter.take("key0", now: start.addingTimeInterval(1_000)) == nil, "dropped: forgiven a little early")
    }

    @Test func limitsAreReadFromTheSetting() throws {
        #expect(try RateLimits.parse("off") == nil)
        #expect(try RateLimits.parse("on") == RateLimits.defaults)
        let custom = try #require(try RateLimits.parse("upload=120/300, link=5/600"))
        #expect(custom[.upload] == RatePolicy(count: 120, per: 300))
        #expect(custom[.link] == RatePolicy(count: 5, per: 600))
        #expect(custom[.login] == RateLimits.defaults[.login])
        for wrong in ["upload=0/60", "uploads=1/60", "upload=5", "upload=5/0", "upload=a/b"] {
            #expect(throws: SettingError.self) { try RateLimits.parse(wrong) }
        }
    }

    @Test func overTheLimitIsRateLimitedAndCounted() throws {
        let metrics = AppMetrics()
        let limits = RateLimits([.ticket: RatePolicy(count: 1, per: 60)], metrics: metrics, effects: Effects(now: { self.start }, newID: { "" }))
        try limits.check(.ticket, "courier")
        #expect(throws: DoorstepError.rateLimited(retryAfter: 60)) { try limits.check(.ticket, "courier") }
        try limits.check(.upload, "courier")  // no policy for it: not limited
        #expect(String(decoding: metrics.exposition(), as: UTF8.self).contains(#"doorstep_rate_limited_total{action="ticket"} 1"#))
        let off = RateLimits(nil, metrics: metrics, effects: .live)
        for _ in 0..<100 { try off.check(.ticket, "courier") }
    }

    @Test func networksMatchTheirAddressesOnly() throws {
        let ten = try #require(IPNetwork("10.0.0.0/8"))
        #expect(ten.contains(try #require(IPAddress(literal: "10.200.3.4"))))
        #expect(ten.contains(try #require(IPAddress(literal: "::ffff:10.1.2.3"))), "an IPv4 client seen by a dual-stack listener")
        #expect(!ten.contains(try #require(IPAddress(literal: "11.0.0.1"))))
        let odd = try #require(IPNetwork("192.168.4.0/22"))
        #expect(odd.contains(try #require(IPAddress(literal: "192.168.7.255"))))
        #expect(!odd.contains(try #require(IPAddress(literal: "192.168.8.0"))))
        let v6 = try #require(IPNetwork("fd00::/8"))
        let (inside, outside) = (try #require(IPAddress(literal: "fd12::1")), try #require(IPAddress(literal: "fe80::1")))
        #expect(v6.contains(inside) && !v6.contains(outside))
        let one = try #require(IPNetwork("203.0.113.7"))
        let (same, next) = (try #require(IPAddress(literal: "203.0.113.7")), try #require(IPAddress(literal: "203.0.113.8")))
        #expect(one.contains(same) && !one.contains(next))
        for wrong in ["10.0.0.0/33", "proxy.local", "10.0.0.0/x", "::/129", "/", "10.0.0.1/", "0.0.0.0/0", "::/0", ""] {
            #expect(IPNetwork(wrong) == nil, "\(wrong)")
        }
    }

    /// `X-Forwarded-For` is anyone's to write: it counts only from a trusted proxy, and only the
    /// hops trusted proxies added. A client that writes its own header behind the proxy gets
    /// the address the proxy saw, not the one it made up.
    @Test func forwardedForIsBelievedFromTrustedProxiesOnly() throws {
        let proxies = try TrustedProxies.parse("10.0.0.0/8, 192.168.1.1")
        let client = try #require(IPAddress(literal: "198.51.100.20"))
        let proxy = try #require(IPAddress(literal: "10.0.0.5"))
        #expect(proxies.clientAddress(peer: client, forwardedFor: ["1.2.3.4"]) == client, "an untrusted peer's header is ignored")
        #expect(proxies.clientAddress(peer: proxy, forwardedFor: ["198.51.100.20"]) == client)
        #expect(proxies.clientAddress(peer: proxy, forwardedFor: ["6.6.6.6, 198.51.100.20"]) == client, "the forged first hop is not read")
        #expect(proxies.clientAddress(peer: proxy, forwardedFor: ["6.6.6.6", "198.51.100.20, 192.168.1.1"]) == client, "two proxies, two header lines")
        #expect(proxies.clientAddress(peer: proxy, forwardedFor: ["198.51.100.20:4711"]) == client, "a hop with its port")
        let v6 = try #require(IPAddress(literal: "2001:db8::7"))
        #expect(proxies.clientAddress(peer: proxy, forwardedFor: ["[2001:db8::7]:4711"]) == v6)
        #expect(proxies.clientAddress(peer: proxy, forwardedFor: ["nonsense"]) == proxy)
        #expect(proxies.clientAddress(peer: proxy, forwardedFor: []) == proxy)
        #expect(TrustedProxies().clientAddress(peer: proxy, forwardedFor: ["198.51.100.20"]) == proxy, "no proxies: never read")
        #expect(throws: SettingError.self) { try TrustedProxies.parse("10.0.0.0/8,proxy.local") }
    }

    /// Limits count an IPv6 client by its /64 (one subscriber's block: rotating through it gets no
    /// fresh allowance) and an IPv4 client the same whether or not a dual-stack listener maps it.
    @Test func limitsCountIPv6ByItsBlockAndMappedIPv4AsItself() throws {
        let one = try #require(IPAddress(literal: "2001:db8:1:2:aaaa::1")), other = try #require(IPAddress(literal: "2001:db8:1:2:ffff::9"))
        let next = try #require(IPAddress(literal: "2001:db8:1:3::1"))
        #expect(one.limitKey == other.limitKey && one.limitKey == "2001:db8:1:2::/64")
        #expect(one.limitKey != next.limitKey)
        let mapped = try #require(IPAddress(literal: "::ffff:198.51.100.20")), plain = try #require(IPAddress(literal: "198.51.100.20"))
        #expect(mapped.limitKey == plain.limitKey && plain.limitKey == "198.51.100.20")
        let counter = ConnectionCounter(maxPerAddress: 1, proxies: TrustedProxies())
        #expect(counter.open(one) && !counter.open(other))
        #expect(counter.open(plain) && !counter.open(mapped))
    }

    @Test func aLimitCanBeAskedWithoutCounting() {
        let limiter = RateLimiter(RatePolicy(count: 1, per: 60))
        for _ in 0..<5 { #expect(limiter.wait("k", now: start) == nil) }
        #expect(limiter.take("k", now: start) == nil)
        #expect(limiter.wait("k", now: start) == 60 && limiter.take("k", now: start) == 60)
    }

    @Test func connectionsPerAddressAreCappedExceptForProxies() throws {
        let counter = ConnectionCounter(maxPerAddress: 2, proxies: try TrustedProxies.parse("10.0.0.5"))
        let client = try #require(IPAddress(literal: "198.51.100.20"))
        #expect(counter.open(client) && counter.open(client))
        #expect(!counter.open(client))
        counter.close(client)
        #expect(counter.open(client))
        let proxy = try #require(IPAddress(literal: "10.0.0.5"))
        for _ in 0..<10 { #expect(counter.open(proxy)) }
        #expect(counter.count(proxy) == 0)
    }
}
