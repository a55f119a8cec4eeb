import Foundation

/// The languages Doorstep speaks to recipients, couriers and operators (each has a word
/// catalogue). English is the fallback.
public enum Language: String, Codable, Sendable, CaseIterable {
    case en, fr, de, es, it, nl

    /// Picks a language from a value such as `fr`, `fr-CA` or an `Accept-Language` header.
    public init(bestMatch value: String?) {
        let candidates = (value ?? "").split(separator: ",").map {
            $0.split(separator: ";", omittingEmptySubsequences: false)[0].trimmingCharacters(in: .whitespaces).lowercased()
        }
        for candidate in candidates {
            let primary = candidate.split(separator: "-").first.map(String.init) ?? candidate
            if let language = Language(rawValue: primary) {
                self = language
                return
            }
        }
        self = .en
    }
}
