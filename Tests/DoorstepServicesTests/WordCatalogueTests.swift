import DoorstepCore
import Foundation
import Testing

@testable import DoorstepServices

/// The word catalogues (Words/Catalogue/<code>.json): every language has every key English has,
/// no value is empty, and placeholders survive translation.
@Suite struct WordCatalogueTests {
    @Test(arguments: Language.allCases)
    func everyLanguageHasEveryWord(_ language: Language) throws {
        let english = try Self.keys(Strings.file(.en)), own = try Self.keys(Strings.file(language))
        #expect(english.subtracting(own).isEmpty, "\(language.rawValue) lacks \(english.subtracting(own).sorted())")
        #expect(own.subtracting(english).isEmpty, "\(language.rawValue) has words English lacks: \(own.subtracting(english).sorted())")
        let strings = try Strings.decode(language)
        #expect(strings.lang == language.rawValue)
        #expect(Locale(identifier: strings.locale).language.languageCode?.identifier == language.rawValue)
        #expect(strings.takenFromAddress.components(separatedBy: "%d").count == 2)
        for value in try Self.values(Strings.file(language)) { #expect(!value.trimmingCharacters(in: .whitespaces).isEmpty) }
    }

    @Test func theEnumsPeopleSeeAreAllWorded() throws {
        let english = try Strings.decode(.en)
        for placement in Placement.allCases { #expect(english.placements[placement.rawValue] != nil, "\(placement)") }
        for kind in ProblemReport.Kind.allCases { #expect(english.problemKinds[kind.rawValue] != nil, "\(kind)") }
        for actor in [AccessEvent.Actor.customerLink, .courier, .operatorCLI, .staff, .apiKey, .system] { #expect(english.actors[actor.rawValue] != nil) }
        // The console's activity log names every action.
        for action in Activity.allCases { #expect(english.operatorApp["activity." + action.rawValue] != nil, "\(action)") }
        // Counted words come in the forms the browser's Intl.PluralRules picks for these languages.
        #expect(english.courierApp["waiting.one"] != nil && english.courierApp["waiting.other"] != nil)
    }

    @Test func aRecipientsLanguageIsPickedFromTheirBrowsersList() {
        #expect(Language(bestMatch: "de-AT,de;q=0.9,en;q=0.5") == .de)
        #expect(Language(bestMatch: "pt-BR, nl;q=0.8") == .nl)
        #expect(Language(bestMatch: "ja") == .en)
        // Anyone sends this header: empty parts and bare semicolons fall back, they do not trap.
        for hostile in [";", ",;,", ";;q=1", "", ",", " ; ", "nl;"] {
            #expect(Language(bestMatch: hostile) == (hostile == "nl;" ? .nl : .en), "\(hostile)")
        }
        #expect(Strings.forLanguage(.it).deliveredTitle == "Il tuo pacco è stato consegnato")
    }

    /// Every key path of a catalogue file (`placements.porch`, `courierApp.back`, …).
    static func keys(_ file: [UInt8]) throws -> Set<String> {
        var keys: Set<String> = []
        func walk(_ object: [String: Any], _ prefix: String) {
            for (key, value) in object {
                keys.insert(prefix + key)
                if let nested = value as? [String: Any] { walk(nested, prefix + key + ".") }
            }
        }
        walk(try #require(try JSONSerialization.jsonObject(with: Data(file)) as? [String: Any]), "")
        return keys
    }

    static func values(_ file: [UInt8]) throws -> [String] {
        func collect(_ value: Any) -> [String] {
            if let text = value as? String { return [text] }
            if let object = value as? [String: Any] { return object.values.flatMap(collect) }
            return []
        }
        return collect(try JSONSerialization.jsonObject(with: Data(file)))
    }

    /// A text message with a link of realistic length (an https base, a delivery id, an expiry
    /// and a signature: 130 characters), and the handover code after it, stays within 3 segments
    /// in every language, and within 2 where the words are GSM-7.
    @Test(arguments: Language.allCases)
    func textMessagesFitInAFewSegments(_ language: Language) {
        let link = "https://doorstep.shop.example/d/" + String(repeating: "0", count: 36) + "?e=1797445205&s=" + String(repeating: "A", count: 43)
        let strings = Strings.forLanguage(language)
        for words in [strings.smsOutForDelivery, strings.smsDelivered] {
            let message = TextMessage(words + " " + link + " " + strings.handoverCode("123456", short: true))
            #expect(message.segments <= (message.encoding == .gsm7 ? 2 : 3), "\(language.rawValue): \(message.segments) segments")
        }
    }
}
