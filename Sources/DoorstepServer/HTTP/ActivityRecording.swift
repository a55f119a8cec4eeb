import DoorstepCore
import DoorstepServices
import Hummingbird
import Synchronization

/// Which entry of the activity log a change made through a tenant route writes. Every route
/// that changes something and is open to a tenant's keys or operators is named here: a route
/// added without a name fails `ActivityLogTests`, so no change goes unrecorded.
enum ActivityRoutes {
    static let actions: [String: Activity] = [
        "PUT /api/v1/settings": .settingsChanged, "PATCH /api/v1/settings": .settingsChanged,
        "PATCH /api/v1/branding": .brandingChanged, "PUT /api/v1/branding/logo": .logoChanged, "DELETE /api/v1/branding/logo": .logoRemoved,
        "POST /api/v1/couriers": .courierCreated, "POST /api/v1/couriers/{id}/disable": .courierDisabled,
        "POST /api/v1/couriers/{id}/enable": .courierEnabled, "POST /api/v1/couriers/{id}/reset-password": .courierPasswordReset,
        "POST /api/v1/webhooks": .webhookCreated, "DELETE /api/v1/webhooks/{id}": .webhookDeleted,
        "POST /api/v1/webhooks/{id}/rotate-secret": .webhookSecretRotated, "POST /api/v1/webhooks/{id}/test": .webhookTested,
        "POST /api/v1/webhooks/{id}/deliveries/{message}/replay": .webhookReplayed,
        "POST /api/v1/api-keys": .apiKeyCreated, "DELETE /api/v1/api-keys/{id}": .apiKeyRevoked,
        "POST /api/v1/cases/{id}/resolve": .caseResolved, "POST /api/v1/cases/{id}/assign": .caseAssigned,
        "POST /api/v1/cases/{id}/notes": .caseNoted,
        "PUT /api/v1/operator/two-step": .twoStepOn, "POST /api/v1/operator/two-step/off": .twoStepOff,
        "POST /api/v1/deliveries": .deliveryCreated, "POST /api/v1/deliveries/batch": .deliveriesCreated,
        "POST /api/v1/deliveries/{id}/out-for-delivery": .deliveryOutForDelivery,
    ]

    /// Changes to personal data, which the access log records already (with the delivery and the
    /// photo): the activity log reads them from there.
    static let inAccessLog: Set<String> = ["DELETE /api/v1/deliveries/{id}/photo", "POST /api/v1/recipients/erase"]

    static func key(_ request: Request, _ context: AppRequestContext) -> String {
        "\(request.method) \(context.endpointPath ?? "")"
    }
}

/// What a handler adds to the activity entry of its change: the id of a record it created (not
/// in the path) and what changed. A reference, shared by the copies of the request's context:
/// the entry is written once the handler has returned.
final class ActivityNote: Sendable {
    private let state = Mutex<(target: String?, detail: String?, isReplay: Bool)>((nil, nil, false))

    var target: String? {
        get { state.withLock { $0.target } }
        set { state.withLock { $0.target = newValue } }
    }

    var detail: String? {
        get { state.withLock { $0.detail } }
        set { state.withLock { $0.detail = newValue } }
    }

    /// The request repeated one already made (an Idempotency-Key replay): nothing new happened.
    var isReplay: Bool {
        get { state.withLock { $0.isReplay } }
        set { state.withLock { $0.isReplay = newValue } }
    }
}

extension ActivityLog {
    /// The entry for a change a tenant route made (2xx or 3xx; a refusal changed nothing), by
    /// the key or operator who made it.
    func record(_ request: Request, _ response: Response, context: AppRequestContext) async {
        guard ![.get, .head].contains(request.method), response.status.code < 400, !context.activity.isReplay else { return }
        let (tenant, actor, actorID): (Tenant, AccessEvent.Actor, String)
        switch context.identity {
        case .tenant(let owner, let key)?: (tenant, actor, actorID) = (owner, .apiKey, key.prefix)
        case .staff(let owner, let account, _)?: (tenant, actor, actorID) = (owner, .staff, account.id)
        case .courier?, nil: return
        }
        let route = ActivityRoutes.key(request, context)
        guard let action = ActivityRoutes.actions[route] else {
            if !ActivityRoutes.inAccessLog.contains(route) { context.logger.error("a change without an activity name", metadata: ["route": "\(route)"]) }
            return
        }
        let target = context.activity.target ?? context.parameters.get("message") ?? context.parameters.get("id")
        await record(action, tenantID: tenant.id, by: actor, actorID: actorID, target: target, detail: context.activity.detail)
    }
}
