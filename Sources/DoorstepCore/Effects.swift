import Foundation

/// The clock and id source, injected so tests can fix them.
public struct Effects: Sendable {
    public var now: @Sendable () -> Date
    public var newID: @Sendable () -> String

    public init(now: @escaping @Sendable () -> Date, newID: @escaping @Sendable () -> String) {
        self.now = now
        self.newID = newID
    }

    public static let live = Effects(now: { Date() }, newID: { UUID().uuidString.lowercased() })
}

/// Ids are lowercase UUIDs. Anything else is rejected before it reaches a query, and looks "not found".
public enum Identifier {
    public static func isValid(_ value: String) -> Bool {
        value.utf8.count == 36 && UUID(uuidString: value) != nil && value == value.lowercased()
    }
}
