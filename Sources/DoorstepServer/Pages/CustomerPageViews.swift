import DoorstepCore
import DoorstepServices
import Foundation

/// A customer page's typed view: the template in Assets/customer reads these fields, and
/// `words` (the catalogue in the customer's language) for every fixed sentence.
protocol CustomerPage {
    var words: Strings { get }
    var title: String { get }
}

/// The delivery page (delivery.mustache).
struct DeliveryPageView: CustomerPage {
    let words: Strings
    let title: String
    let delivered: Bool
    let orderReference: String
    let eventsURL: String
    let problemURL: String
    let receiptURL: String
    let preferencesURL: String
    let problemKinds: [Choice]
    let problemReported: Bool
    var placement: String?
    var note: String?
    var deliveredAt: Moment?
    /// The delivery's photos by slot (the parcel, then where it stands).
    var photos: [Photo] = []
    /// What the page offers while photos exist: deleting them, and what was blurred.
    var photo: PhotoActions?
    var deletedNote: String?
    var proof: Proof?
    /// Before delivery: the "not at home?" form. After: what the recipient had chosen.
    var drop: DropForm?
    var dropChoice: String?
    /// Before delivery: "give the courier this code: 123 456". After: when it was given.
    var handoverCode: String?
    var handedOver: Moment?
    /// Handed over against the recipient's signature (kept like a photo, deletable with it).
    var signed = false
    var signatureDeleteURL: String?
    /// The courier's failed attempts, and where their door photos can be deleted while they exist.
    var hasAttempts = false
    var attempts: [Attempt] = []
    var doorPhotosDeleteURL: String?
    var hasLog = false
    var accessLog: [LogLine] = []

    struct Choice { let value: String, label: String }
    /// An instant, machine-readable (the script shows it in the reader's zone) and as text.
    struct Moment { let iso: String, text: String }
    struct Photo {
        let displayURL: String
        let width: Int
        let height: Int
        /// "Photo of where your parcel was left (photo 2 of 2)" where there are several.
        let alt: String
        /// "Enlarge the photo", numbered likewise.
        let enlarge: String
        /// "Photo 2 of 2 · Taken about 5 m from your address.", empty when there is nothing to say.
        let caption: String
    }
    struct PhotoActions {
        let deleteURL: String
        /// What was blurred ("One face was blurred."), nil when nothing was.
        let redacted: String?
        /// Whether the photos were searched for people (the page then says so, and what to do if
        /// one was missed).
        let searched: Bool
    }
    /// The proof thumbnail that outlives the photo for the dispute window.
    struct Proof {
        let url: String
        let width: Int
        let height: Int
        let until: Moment
        let deleteURL: String
    }
    struct LogLine { let at: String, atText: String, who: String, what: String }
    struct Attempt { let at: Moment, reason: String }
    struct DropForm {
        let url: String
        let details: String
        let kinds: [Option]
        let saved: Bool
    }
    struct Option { let value: String, label: String, checked: Bool }
}

/// The preferences page every message links to (preferences.mustache).
struct PreferencesPageView: CustomerPage {
    let words: Strings
    let title: String
    let actionURL: String
    let done: String?
    let photosOff: Bool
    var current: String?
    var explanation: String?
    var offerOptOut = false
    var offerOptIn = false
}

/// A page with a title and one sentence: errors, expired links (message.mustache).
struct MessagePageView: CustomerPage {
    let words: Strings
    let title: String
    let message: String
}

/// The tenant as its customers know it, at the top and foot of each of their pages: a page from
/// "Doorstep" alone looks like phishing, one from the shop they ordered from does not. Only a
/// tenant with a display name has one (the tenant's own `name` is an operator's label).
struct BrandView {
    let name: String
    let logoURL: String?
    let logoWidth: Int
    let logoHeight: Int
    /// The tenant's colour as a stylesheet of its own: the pages' CSP allows no inline style.
    let accentStylesheet: String?
    let contactLine: String
    let supportEmail: String?
    let supportURL: String?
    /// The support page's host, as the link's text (the whole address may be long).
    let supportHost: String?
    let poweredBy: String
    // Stored, not computed: mustache reads a view's stored properties only.
    let hasContact: Bool
    let both: Bool

    init?(_ branding: TenantBranding, words: Strings) {
        guard let name = branding.displayName else { return nil }
        self.name = name
        // Shown 40 px high: the attributes keep the logo's proportions so the page does not jump.
        logoURL = branding.logo?.path
        logoHeight = 40
        logoWidth = branding.logo.map { $0.height > 0 ? max(1, $0.width * 40 / $0.height) : 40 } ?? 40
        accentStylesheet = branding.accentColor.map { "/brand/accent/\($0.dropFirst()).css" }
        contactLine = String(format: words.brandContact, name)
        supportEmail = branding.supportEmail
        supportURL = branding.supportURL
        supportHost = branding.supportURL.flatMap { URL(string: $0)?.host }
        poweredBy = words.poweredBy
        hasContact = supportEmail != nil || supportURL != nil
        both = supportEmail != nil && supportURL != nil
    }
}
