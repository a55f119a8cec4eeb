/// What a tenant's API key may do. Each key has one or more; an operation needs exactly one.
public enum APIScope: String, Codable, Sendable, CaseIterable, Comparable {
    /// Every read: deliveries, photos, receipts, cases, settings, webhooks, keys, the event stream.
    case read
    /// Create and change deliveries, delete photos, resolve cases, export or erase a recipient.
    case deliveries
    /// Webhooks, settings and API keys: what can redirect data or grant access.
    case admin

    public static func < (lhs: APIScope, rhs: APIScope) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
