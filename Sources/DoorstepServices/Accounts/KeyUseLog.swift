import Foundation
import Synchronization

/// When this server last wrote down each API key's use: "last used" is for people deciding
/// which keys to revoke, so a minute's precision is plenty, and a busy integration costs one
/// write a minute rather than one a request.
final class KeyUseLog: Sendable {
    static let interval: TimeInterval = 60
    /// Bounded: keys not seen for an interval are forgotten when it grows past this.
    static let capacity = 10_000
    private let written = Mutex<[String: Date]>([:])

    func shouldRecord(_ keyID: String, now: Date) -> Bool {
        written.withLock { written in
            if let last = written[keyID], now.timeIntervalSince(last) < Self.interval, now >= last { return false }
            if written.count >= Self.capacity { written = written.filter { now.timeIntervalSince($0.value) < Self.interval } }
            written[keyID] = now
            return true
        }
    }
}
