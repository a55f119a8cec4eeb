import DoorstepServices

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
