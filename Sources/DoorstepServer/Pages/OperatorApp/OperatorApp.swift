import DoorstepCore
import DoorstepServices

/// The words of the tenant operators' case desk (Assets/operator: its shell, script and
/// stylesheet), from the word catalogue: open cases, each with its evidence side by side, and the
/// resolve form. A page over the tenant API: the operator signs in with an API key, which stays in
/// the tab's session storage only.
enum OperatorApp {
    static func words(_ language: Language) -> [String: String] {
        let strings = Strings.forLanguage(language)
        var words = strings.operatorApp.merging(strings.placementWords) { $1 }
        for kind in ProblemReport.Kind.allCases { words["kind." + kind.rawValue] = strings.problemKind(kind) }
        // The evidence in sentences, as the evidence pack words it (not `no_ticket` or `at-address`).
        let sentences = ["location.", "freshness.", "quality.", "qualityOK", "people", "metres"]
        for (key, text) in strings.evidencePack where sentences.contains(where: key.hasPrefix) { words[key] = text }
        return words
    }
}
