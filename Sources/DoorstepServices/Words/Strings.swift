import DoorstepCore
import Foundation

/// Every word a person reads (pages, emails, the courier app, the case desk), one catalogue per
/// language in Words/Catalogue/<code>.json, all with the same keys: a language missing a key
/// does not decode, and the tests decode every one. Dates and numbers are formatted by the
/// platform from `locale`; counted words come in `.one`/`.other` forms for the browser's
/// `Intl.PluralRules`. Compiled into the binary (`.embedInCode`).
public struct Strings: Sendable, Decodable {
    public var lang: String
    /// The language's own name for itself, for language menus.
    public var languageName: String
    /// The platform locale for dates and numbers (`DateFormatter`, `Intl` in the browser).
    public var locale: String
    public var deliveredTitle: String
    public var onTheWayTitle: String
    public var onTheWayBody: String
    public var leftAt: String
    public var deliveredAt: String
    public var courierNote: String
    public var photoAlt: String
    public var noPhoto: String
    public var privacyNote: String
    /// Says that faces and people are blurred and what to do if one was missed (detection is
    /// never perfect).
    public var redactionNote: String
    public var facesBlurredOne: String
    /// With %d: how many faces were blurred.
    public var facesBlurredMany: String
    public var peopleBlurredOne: String
    /// With %d: how many people (bodies) were blurred.
    public var peopleBlurredMany: String
    public var linkInvalidTitle: String
    public var linkInvalidBody: String
    public var linkExpiredTitle: String
    public var linkExpiredBody: String
    public var notFoundTitle: String
    public var notFoundBody: String
    public var rateLimitedTitle: String
    public var rateLimitedBody: String
    public var errorTitle: String
    public var errorBody: String
    public var order: String
    public var placements: [String: String]
    // Privacy actions on the delivery page.
    public var deletePhotoButton: String
    public var deletePhotoHint: String
    public var photoDeleted: String
    public var photoExpired: String
    public var proofKept: String
    public var proofUntil: String
    public var deleteProofButton: String
    public var proofAlt: String
    public var preferencesLink: String
    public var accessLogTitle: String
    public var accessLogEmpty: String
    public var actors: [String: String]
    public var actions: [String: String]
    // The preferences (opt-out / opt-in) page.
    public var preferencesTitle: String
    public var optOutExplained: String
    public var optInExplained: String
    public var includeAddress: String
    public var deleteExisting: String
    public var optOutButton: String
    public var optInButton: String
    public var optedOutNow: String
    public var optedInNow: String
    public var currentlyOptedOut: String
    public var currentlyAllowed: String
    public var photosOffHere: String
    // Reporting a problem.
    public var problemTitle: String
    public var problemKinds: [String: String]
    /// The delivery page's "not at home?" form: the recipient's safe place or neighbour.
    public var dropTitle: String
    public var dropExplained: String
    public var dropKinds: [String: String]
    public var dropNone: String
    public var dropDetails: String
    public var dropSave: String
    public var dropSaved: String
    /// The handover code, on the page and in messages ({code}: `HandoverCode.display`).
    public var handoverTitle: String
    public var handoverCodeMessage: String
    public var handoverCodeShort: String
    public var handedOverWithCode: String
    public var handedOverSigned: String
    public var signatureNote: String
    public var deleteSignatureButton: String
    public var problemDetails: String
    public var problemSend: String
    public var problemReported: String
    // Evidence and the photo viewer.
    /// "%d" is the distance in metres.
    public var takenFromAddress: String
    /// Within 10 m of the address: a distance ("about 0 m") would read oddly.
    public var takenAtAddress: String
    /// "Photo 2 of 3": where a delivery has several photos.
    public var photoNumber: String
    public var enlargePhoto: String
    public var closePhoto: String
    public var receiptLink: String
    // Emails.
    public var emailDeliveredSubject: String
    public var emailOutForDeliverySubject: String
    public var emailOutForDeliveryBody: String
    public var emailSeePhoto: String
    public var emailOptOutLine: String
    public var emailFooter: String
    /// With %@, the tenant's display name: the words before its support contact on a branded page.
    public var brandContact: String
    /// At the foot of a branded page: who runs the photo service behind the tenant's name.
    public var poweredBy: String
    // Text messages: a sentence, then a space and the link (kept short: every character counts
    // against the 160 (GSM-7) or 70 (UCS-2) of a segment).
    public var smsOutForDelivery: String
    public var smsDelivered: String
    public var smsAttempted: String
    // A failed delivery attempt (`DeliveryAttempt`): the email, the page.
    public var attemptedTitle: String
    /// "nobody_home" → "Nobody was at home." (a sentence each).
    public var attemptReasons: [String: String]
    public var attemptedNext: String
    public var emailAttemptedSubject: String
    public var emailAttemptedLink: String
    public var attemptsTitle: String
    public var doorPhotoNote: String

    // The web apps' words, handed to their pages as JSON.
    public var courierApp: [String: String]
    public var operatorApp: [String: String]
    /// The evidence pack's words (`state.delivered`, `location.near`, …; `{name}` placeholders).
    public var evidencePack: [String: String]

    /// The catalogue of `language`.
    public static func forLanguage(_ language: Language) -> Strings {
        catalogue[language] ?? catalogue[.en]!
    }

    /// Every catalogue, decoded once. The files are part of the binary and the tests decode each,
    /// so a broken one is a build defect, not a condition to serve around.
    static let catalogue: [Language: Strings] = {
        var all: [Language: Strings] = [:]
        for language in Language.allCases {
            do {
                all[language] = try decode(language)
            } catch {
                preconditionFailure("the \(language.rawValue) word catalogue does not decode: \(error)")
            }
        }
        return all
    }()

    static func decode(_ language: Language) throws -> Strings {
        try JSONDecoder().decode(Strings.self, from: Data(file(language)))
    }

    static func file(_ language: Language) -> [UInt8] {
        switch language {
        case .en: PackageResources.en_json
        case .fr: PackageResources.fr_json
        case .de: PackageResources.de_json
        case .es: PackageResources.es_json
        case .it: PackageResources.it_json
        case .nl: PackageResources.nl_json
        }
    }

    public func placement(_ placement: Placement) -> String { placements[placement.rawValue] ?? placement.rawValue }
    public func actor(_ actor: AccessEvent.Actor) -> String { actors[actor.rawValue] ?? actor.rawValue }
    public func action(_ action: AccessEvent.Action) -> String { actions[action.rawValue] ?? action.rawValue }
    public func problemKind(_ kind: ProblemReport.Kind) -> String { problemKinds[kind.rawValue] ?? kind.rawValue }
    public func dropKind(_ kind: DropChoice.Kind) -> String { dropKinds[kind.rawValue] ?? kind.rawValue }
    public func attemptReason(_ reason: DeliveryAttempt.Reason) -> String { attemptReasons[reason.rawValue] ?? reason.rawValue }
    public func handoverCode(_ code: String, short: Bool = false) -> String {
        (short ? handoverCodeShort : handoverCodeMessage).replacingOccurrences(of: "{code}", with: HandoverCode.display(code))
    }

    /// The placements for the web apps' word lists: "placement.<code>" → words.
    public var placementWords: [String: String] {
        Dictionary(uniqueKeysWithValues: Placement.allCases.map { ("placement." + $0.rawValue, placement($0)) })
    }
}

extension Strings {
    /// "2 faces were blurred. One person was blurred." for a redacted photo; nil when nothing was.
    public func blurred(_ redaction: Redaction) -> String? {
        func sentence(_ count: Int, _ one: String, _ many: String) -> String? {
            count == 0 ? nil : count == 1 ? one : String(format: many, count)
        }
        let sentences = [sentence(redaction.faces, facesBlurredOne, facesBlurredMany),
                         sentence(redaction.people, peopleBlurredOne, peopleBlurredMany)].compactMap { $0 }
        return sentences.isEmpty ? nil : sentences.joined(separator: " ")
    }
}
