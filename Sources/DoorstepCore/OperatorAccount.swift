import Foundation

/// A person on a tenant's staff who signs in to the operator console (never with the tenant's API
/// key: a key in a browser could be copied out of it). What they may do follows from their role.
public struct OperatorAccount: Codable, Sendable, Equatable {
    public var id: String
    public var tenantID: String
    /// The sign-in name: unique across the server, like a courier's.
    public var username: String
    public var displayName: String
    public var role: OperatorRole
    public var createdAt: Date

    public init(id: String, tenantID: String, username: String, displayName: String, role: OperatorRole, createdAt: Date) {
        (self.id, self.tenantID, self.username, self.displayName, self.role, self.createdAt) =
            (id, tenantID, username, displayName, role, createdAt)
    }
}

/// What an operator may do, as the API scopes a key would need for it.
public enum OperatorRole: String, Codable, Sendable, CaseIterable {
    /// Everything: settings, branding, webhooks, API keys, couriers, and what support does.
    case admin
    /// Deliveries and cases: find a delivery, look at its photo (audited), resolve a case.
    /// Neither reads nor changes settings, webhooks or keys.
    case support

    public var scopes: Set<APIScope> {
        switch self {
        case .admin: Set(APIScope.allCases)
        case .support: [.read, .deliveries]
        }
    }
}

extension Validate {
    /// A sign-in name (couriers' and operators'): letters, digits and `._-@`, lower-cased.
    public static func username(_ value: String) throws(DoorstepError) -> String {
        let username = try text(value, field: "username", max: 100).lowercased()
        guard username.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-@".contains($0)) }) else {
            throw .invalidInput(field: "username", reason: "use letters, digits and . _ - @ only")
        }
        return username
    }
}
