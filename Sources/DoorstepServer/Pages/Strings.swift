import DoorstepCore

/// Every word a person reads, in each language we speak. Kept in one place so a translation is
/// one file to review, and a missing string is a compile error, not a blank on a page.
struct Strings: Sendable {
    var lang: String
    var deliveredTitle: String
    var onTheWayTitle: String
    var onTheWayBody: String
    var leftAt: String
    var deliveredAt: String
    var courierNote: String
    var photoAlt: String
    var noPhoto: String
    var privacyNote: String
    var linkInvalidTitle: String
    var linkInvalidBody: String
    var linkExpiredTitle: String
    var linkExpiredBody: String
    var notFoundTitle: String
    var notFoundBody: String
    var errorTitle: String
    var errorBody: String
    var order: String
    var placements: [Placement: String]

    static func forLanguage(_ language: Language) -> Strings {
        switch language {
        case .en: english
        case .fr: french
        }
    }

    static let english = Strings(
        lang: "en",
        deliveredTitle: "Your parcel has been delivered",
        onTheWayTitle: "Your parcel is on its way",
        onTheWayBody: "We'll show you where it was left as soon as it is delivered.",
        leftAt: "Where to find it",
        deliveredAt: "Delivered",
        courierNote: "Note from the courier",
        photoAlt: "Photo of where your parcel was left",
        noPhoto: "No photo was taken for this delivery.",
        privacyNote: "This photo is private: only someone with this link can see it, and it carries no location or camera data.",
        linkInvalidTitle: "This link doesn't work",
        linkInvalidBody: "Please open the link from your delivery message exactly as it was sent.",
        linkExpiredTitle: "This link has expired",
        linkExpiredBody: "For your privacy, delivery links stop working after a while.",
        notFoundTitle: "Page not found",
        notFoundBody: "There is nothing at this address.",
        errorTitle: "Something went wrong",
        errorBody: "Please try again in a moment.",
        order: "Order",
        placements: [
            .frontDoor: "At the front door", .porch: "On the porch", .behindPlant: "Behind a bush or plant",
            .mailbox: "In the mailbox", .garage: "In the garage", .reception: "At reception or the mailroom",
            .handedToResident: "Handed to a resident", .other: "Somewhere else (see the note)",
        ]
    )

    static let french = Strings(
        lang: "fr",
        deliveredTitle: "Votre colis a été livré",
        onTheWayTitle: "Votre colis est en route",
        onTheWayBody: "Nous vous montrerons où il a été déposé dès sa livraison.",
        leftAt: "Où le trouver",
        deliveredAt: "Livré",
        courierNote: "Note du livreur",
        photoAlt: "Photo de l’endroit où votre colis a été déposé",
        noPhoto: "Aucune photo n’a été prise pour cette livraison.",
        privacyNote: "Cette photo est privée : seule une personne disposant de ce lien peut la voir, et elle ne contient aucune donnée de lieu ni d’appareil.",
        linkInvalidTitle: "Ce lien ne fonctionne pas",
        linkInvalidBody: "Ouvrez le lien de votre message de livraison tel qu’il a été envoyé.",
        linkExpiredTitle: "Ce lien a expiré",
        linkExpiredBody: "Pour protéger votre vie privée, les liens de livraison cessent de fonctionner après un certain temps.",
        notFoundTitle: "Page introuvable",
        notFoundBody: "Il n’y a rien à cette adresse.",
        errorTitle: "Une erreur est survenue",
        errorBody: "Veuillez réessayer dans un instant.",
        order: "Commande",
        placements: [
            .frontDoor: "Devant la porte d’entrée", .porch: "Sous le porche", .behindPlant: "Derrière un buisson ou une plante",
            .mailbox: "Dans la boîte aux lettres", .garage: "Dans le garage", .reception: "À l’accueil ou au local courrier",
            .handedToResident: "Remis à un résident", .other: "Ailleurs (voir la note)",
        ]
    )

    func placement(_ placement: Placement) -> String {
        placements[placement] ?? placement.rawValue
    }
}
