import Foundation

/// A change to a tenant's account (its settings, branding, couriers, webhooks, keys, cases,
/// deliveries) or a sign-in to its console, with who made it: the tenant's admins read these to
/// answer "who changed this, and when". Ids only, as in the access log: no names, emails or
/// addresses, and no values a tenant typed (a changed setting is named, not quoted).
public struct ActivityEntry: Codable, Sendable, Equatable {
    public var id: String
    public var tenantID: String
    public var actor: AccessEvent.Actor
    /// The operator account's id, the API key's shown prefix; none for the command line.
    public var actorID: String?
    public var action: Activity
    /// The record acted on (a courier, a webhook, a key, a case, a delivery), where there is one.
    public var targetID: String?
    /// What changed, as names only (`retention_days, language`).
    public var detail: String?
    public var at: Date

    public init(
        id: String, tenantID: String, actor: AccessEvent.Actor, actorID: String?, action: Activity, targetID: String?, detail: String?, at: Date
    ) {
        self.id = id
        self.tenantID = tenantID
        self.actor = actor
        self.actorID = actorID
        self.action = action
        self.targetID = targetID
        self.detail = detail
        self.at = at
    }
}

/// What an operator, an API key or the command line did. The activity log also lists what staff
/// and keys did with personal data (`AccessEvent`), under the `data.` names.
public enum Activity: String, Codable, Sendable, CaseIterable {
    case signedIn = "console.signed_in"
    /// A wrong password for an existing account (an unknown name has no tenant to tell).
    case signInRefused = "console.sign_in_refused"
    case signedOut = "console.signed_out"
    case operatorCreated = "operator.created"
    case operatorDisabled = "operator.disabled"
    case operatorEnabled = "operator.enabled"
    case twoStepOn = "operator.two_step_on"
    case twoStepOff = "operator.two_step_off"
    /// Turned off at the command line, for someone who lost their phone.
    case twoStepReset = "operator.two_step_reset"
    case settingsChanged = "settings.changed"
    case brandingChanged = "branding.changed"
    case logoChanged = "branding.logo_changed"
    case logoRemoved = "branding.logo_removed"
    case courierCreated = "courier.created"
    case courierDisabled = "courier.disabled"
    case courierEnabled = "courier.enabled"
    case courierPasswordReset = "courier.password_reset"
    case webhookCreated = "webhook.created"
    case webhookDeleted = "webhook.deleted"
    case webhookSecretRotated = "webhook.secret_rotated"
    case webhookTested = "webhook.tested"
    case webhookReplayed = "webhook.replayed"
    case apiKeyCreated = "api_key.created"
    case apiKeyRevoked = "api_key.revoked"
    case caseResolved = "case.resolved"
    case caseAssigned = "case.assigned"
    case caseNoted = "case.noted"
    case deliveryCreated = "delivery.created"
    case deliveriesCreated = "delivery.batch_created"
    case deliveryOutForDelivery = "delivery.out_for_delivery"
    case photoDeleted = "data.delete"
    case recipientErased = "data.erase"
    // What staff and keys did with personal data, from the access log.
    case photoDownloaded = "data.download"
    case photoViewed = "data.view_photo"
    case recipientExported = "data.export"

    /// What the access log's own actions are named here (`data.download`).
    public static let accessPrefix = "data."

    /// The access log's actions the activity log lists, read from the access log (with the
    /// delivery as target), so they are never written twice: the `data.` cases above.
    public static let fromAccessLog: [AccessEvent.Action] = allCases.compactMap {
        $0.rawValue.hasPrefix(accessPrefix) ? AccessEvent.Action(rawValue: String($0.rawValue.dropFirst(accessPrefix.count))) : nil
    }
}
