import DoorstepCore
import DoorstepServices

/// The courier app's words, from the word catalogue, handed to the page as JSON (the page builds
/// its views itself).
enum CourierStrings {
    static func forLanguage(_ language: Language) -> [String: String] {
        let strings = Strings.forLanguage(language)
        var words = strings.courierApp.merging(strings.placementWords) { $1 }
        // The order the choices are offered in (the JSON object's keys come sorted).
        words["placementOrder"] = Placement.allCases.map(\.rawValue).joined(separator: ",")
        return words
    }
}
