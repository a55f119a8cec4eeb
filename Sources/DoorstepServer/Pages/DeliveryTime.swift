import DoorstepCore
import DoorstepServices
import Foundation

/// Server-side rendering of a time, in UTC, before the page script localises it.
enum DeliveryTime {
    static func text(_ date: Date, language: Language) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: Strings.forLanguage(language).locale)
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateStyle = .full
        formatter.timeStyle = .short
        return formatter.string(from: date) + " UTC"
    }
}
