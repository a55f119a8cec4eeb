import DoorstepCore
import DoorstepStorage

/// Who a stored actor is, by name: an operator's display name, an API key's name. Entries keep
/// ids only (a name changes, an id does not), so a removed account still shows its id.
public struct ActorNames: Sendable {
    let operators: [String: String]
    let keys: [String: String]

    /// The tenant's operators (disabled ones too) and keys (revoked ones too), read once.
    public static func of(tenantID: String, in store: any OperatorStore & AccountStore) async throws -> ActorNames {
        let operators = try await store.operators(tenantID: tenantID).map { ($0.account.id, $0.account.displayName) }
        let keys = try await store.apiKeys(tenantID: tenantID).map { ($0.prefix, $0.name) }
        return ActorNames(
            operators: Dictionary(operators, uniquingKeysWith: { first, _ in first }), keys: Dictionary(keys, uniquingKeysWith: { first, _ in first }))
    }

    public func name(of actor: AccessEvent.Actor, id: String?) -> String? {
        guard let id else { return nil }
        return switch actor {
        case .staff: operators[id]
        case .apiKey: keys[id]
        default: nil
        }
    }
}
