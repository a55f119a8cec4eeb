import DoorstepCore
import DoorstepServices

/// The words of the tenant operators' case desk (Assets/operator: its shell, script and
/// stylesheet), from the word catalogue: open cases, each with its evidence side by side, and the
/// resolve form. A page over the tenant API: the operator signs in with their own account
/// (`OperatorSessionController`), never with the tenant's API key.
enum OperatorApp {
    static func words(_ language: Language) -> [String: String] {
        let strings = Strings.forLanguage(language)
        var words = strings.operatorApp.merging(strings.placementWords) { $1 }
        for kind in ProblemReport.Kind.allCases { words["kind." + kind.rawValue] = strings.problemKind(kind) }
        for (reason, text) in strings.attemptReasons { words["attempt." + reason] = text }
        // The webhook events an endpoint can subscribe to, as the API names them.
        words["webhookEvents"] = EventType.allCases.map(\.rawValue).joined(separator: " ")
        // The evidence in sentences, as the evidence pack words it (not `no_ticket` or `at-address`).
        // The deliveries pages: states, what happened, why a photo is gone.
        let sentences = ["location.", "freshness.", "quality.", "qualityOK", "people", "metres", "state.", "event.", "deleted"]
        for (key, text) in strings.evidencePack where sentences.contains(where: key.hasPrefix) { words[key] = text }
        return words
    }
}
