import Foundation

/// The clock and id source, injected so tests can fix them.
public struct Effects: Sendable {
    public var now: @Sendable () -> Date
    public var newID: @Sendable () -> String

    public init(now: @escaping @Sendable () -> Date, newID: @escaping @Sendable () -> String) {
        self.now = now
        self.newID = newID
    }

    public static let live = Effects(now: { Date() }, newID: { Identifier.random() })
}

/// Ids are lowercase UUIDs. Anything else is rejected before it reaches a query, and looks "not found".
public enum Identifier {
    /// A fresh random (version 4) id from the system's secure generator. Foundation's `UUID()`
    /// opens /dev/urandom on every call on Linux, and an upload makes several ids.
    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = withUnsafeBytes(of: (generator.next() as UInt64, generator.next() as UInt64)) { Array($0) }
        bytes[6] = bytes[6] & 0x0F | 0x40  // version 4
        bytes[8] = bytes[8] & 0x3F | 0x80  // RFC 4122 variant
        let hex = Array(Hex.encode(bytes).utf8)
        return [hex[0..<8], hex[8..<12], hex[12..<16], hex[16..<20], hex[20..<32]]
            .map { String(decoding: $0, as: UTF8.self) }.joined(separator: "-")
    }

    public static func isValid(_ value: String) -> Bool {
        value.utf8.count == 36 && UUID(uuidString: value) != nil && value == value.lowercased()
    }
}
