import DoorstepCore

/// Every word a person reads, in each language we speak. Kept in one place so a translation is
/// one file to review, and a missing string is a compile error, not a blank on a page.
public struct Strings: Sendable {
    public var lang: String
    public var deliveredTitle: String
    public var onTheWayTitle: String
    public var onTheWayBody: String
    public var leftAt: String
    public var deliveredAt: String
    public var courierNote: String
    public var photoAlt: String
    public var noPhoto: String
    public var privacyNote: String
    public var linkInvalidTitle: String
    public var linkInvalidBody: String
    public var linkExpiredTitle: String
    public var linkExpiredBody: String
    public var notFoundTitle: String
    public var notFoundBody: String
    public var errorTitle: String
    public var errorBody: String
    public var order: String
    public var placements: [Placement: String]
    // Privacy actions on the delivery page.
    public var deletePhotoButton: String
    public var deletePhotoHint: String
    public var photoDeleted: String
    public var photoExpired: String
    public var preferencesLink: String
    public var accessLogTitle: String
    public var accessLogEmpty: String
    public var actors: [AccessEvent.Actor: String]
    public var actions: [AccessEvent.Action: String]
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
    public var problemKinds: [ProblemReport.Kind: String]
    public var problemDetails: String
    public var problemSend: String
    public var problemReported: String
    // Evidence and the photo viewer.
    /// "%d" is the distance in metres.
    public var takenFromAddress: String
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

    public static func forLanguage(_ language: Language) -> Strings {
        switch language {
        case .en: english
        case .fr: french
        }
    }

    public static let english = Strings(
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
        ],
        deletePhotoButton: "Delete this photo now",
        deletePhotoHint: "The photo is erased at once, for good. Where your parcel was left stays written above.",
        photoDeleted: "The photo of this delivery has been deleted.",
        photoExpired: "The photo of this delivery was deleted automatically when its time was up.",
        preferencesLink: "Don't photograph my deliveries",
        accessLogTitle: "Who has seen this photo",
        accessLogEmpty: "Nobody has opened it yet.",
        actors: [.customerLink: "You (this link)", .courier: "The courier", .operatorCLI: "A Doorstep operator",
                 .apiKey: "The shop", .system: "Doorstep"],
        actions: [.viewPhoto: "viewed it", .download: "downloaded it", .delete: "deleted it", .expire: "deleted it (time up)",
                  .export: "exported your data", .upload: "took it", .viewPage: "opened the page", .erase: "erased your data",
                  .optOut: "turned photos off", .optIn: "allowed photos"],
        preferencesTitle: "Photos of your deliveries",
        optOutExplained: "If you say no, couriers will not be offered the camera for your deliveries from this shop, and our server will refuse any photo of them. Your parcels are still delivered as usual. You can change your mind here at any time.",
        optInExplained: "In your region, couriers photograph where they leave a parcel only if you agree. The photo is private to you and deleted automatically after a while.",
        includeAddress: "Also for every delivery to my street address",
        deleteExisting: "Also delete the photos that already exist",
        optOutButton: "Don't photograph my deliveries",
        optInButton: "Allow photos of my deliveries",
        optedOutNow: "Done: your deliveries will not be photographed.",
        optedInNow: "Done: couriers may photograph where they leave your parcels.",
        currentlyOptedOut: "Right now: your deliveries are not photographed.",
        currentlyAllowed: "Right now: couriers photograph where they leave your parcels.",
        photosOffHere: "This shop does not take delivery photos in your region.",
        problemTitle: "Report a problem",
        problemKinds: [.notThere: "The parcel is not there", .notMyDoor: "This is not my door", .damaged: "The parcel is damaged",
                       .other: "Something else"],
        problemDetails: "Tell us more (optional)",
        problemSend: "Send to the shop",
        problemReported: "Thank you: the shop has been told and will get back to you.",
        takenFromAddress: "Taken about %d m from your address.",
        enlargePhoto: "Enlarge the photo",
        closePhoto: "Close",
        receiptLink: "Download the signed delivery receipt",
        emailDeliveredSubject: "Your order has been delivered",
        emailOutForDeliverySubject: "Your parcel is out for delivery",
        emailOutForDeliveryBody: "Your parcel is on its way and will be delivered today. When the courier leaves it, they may take a photo of where it was left, so you can find it.",
        emailSeePhoto: "See where it was left",
        emailOptOutLine: "Don't want photos of your deliveries? Say so here:",
        emailFooter: "You receive this message because a parcel is being delivered to you. It contains no advertising."
    )

    public static let french = Strings(
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
        ],
        deletePhotoButton: "Supprimer cette photo maintenant",
        deletePhotoHint: "La photo est effacée immédiatement et définitivement. L’endroit où se trouve votre colis reste indiqué ci-dessus.",
        photoDeleted: "La photo de cette livraison a été supprimée.",
        photoExpired: "La photo de cette livraison a été supprimée automatiquement à la fin de sa durée de conservation.",
        preferencesLink: "Ne pas photographier mes livraisons",
        accessLogTitle: "Qui a vu cette photo",
        accessLogEmpty: "Personne ne l’a encore ouverte.",
        actors: [.customerLink: "Vous (ce lien)", .courier: "Le livreur", .operatorCLI: "Un opérateur Doorstep",
                 .apiKey: "La boutique", .system: "Doorstep"],
        actions: [.viewPhoto: "l’a vue", .download: "l’a téléchargée", .delete: "l’a supprimée", .expire: "l’a supprimée (durée écoulée)",
                  .export: "a exporté vos données", .upload: "l’a prise", .viewPage: "a ouvert la page", .erase: "a effacé vos données",
                  .optOut: "a refusé les photos", .optIn: "a accepté les photos"],
        preferencesTitle: "Photos de vos livraisons",
        optOutExplained: "Si vous refusez, l’appareil photo ne sera plus proposé aux livreurs pour vos livraisons de cette boutique, et notre serveur refusera toute photo. Vos colis sont livrés comme d’habitude. Vous pouvez changer d’avis ici à tout moment.",
        optInExplained: "Dans votre région, les livreurs ne photographient l’endroit où ils déposent un colis qu’avec votre accord. La photo n’est visible que par vous et est supprimée automatiquement après un certain temps.",
        includeAddress: "Aussi pour toutes les livraisons à mon adresse postale",
        deleteExisting: "Supprimer aussi les photos qui existent déjà",
        optOutButton: "Ne pas photographier mes livraisons",
        optInButton: "Autoriser les photos de mes livraisons",
        optedOutNow: "C’est fait : vos livraisons ne seront pas photographiées.",
        optedInNow: "C’est fait : les livreurs peuvent photographier l’endroit où ils déposent vos colis.",
        currentlyOptedOut: "Actuellement : vos livraisons ne sont pas photographiées.",
        currentlyAllowed: "Actuellement : les livreurs photographient l’endroit où ils déposent vos colis.",
        photosOffHere: "Cette boutique ne prend pas de photos de livraison dans votre région.",
        problemTitle: "Signaler un problème",
        problemKinds: [.notThere: "Le colis n’est pas là", .notMyDoor: "Ce n’est pas ma porte", .damaged: "Le colis est abîmé",
                       .other: "Autre chose"],
        problemDetails: "Dites-nous en plus (facultatif)",
        problemSend: "Envoyer à la boutique",
        problemReported: "Merci : la boutique a été prévenue et reviendra vers vous.",
        takenFromAddress: "Prise à environ %d m de votre adresse.",
        enlargePhoto: "Agrandir la photo",
        closePhoto: "Fermer",
        receiptLink: "Télécharger le reçu de livraison signé",
        emailDeliveredSubject: "Votre colis a été livré",
        emailOutForDeliverySubject: "Votre colis est en cours de livraison",
        emailOutForDeliveryBody: "Votre colis est en route et sera livré aujourd’hui. En le déposant, le livreur pourra photographier l’endroit où il l’a laissé, pour que vous le trouviez.",
        emailSeePhoto: "Voir où il a été déposé",
        emailOptOutLine: "Vous ne voulez pas de photos de vos livraisons ? Dites-le ici :",
        emailFooter: "Vous recevez ce message parce qu’un colis vous est livré. Il ne contient aucune publicité."
    )

    public func placement(_ placement: Placement) -> String {
        placements[placement] ?? placement.rawValue
    }

    /// The placements for the web apps' word lists: "placement.<code>" → words.
    public var placementWords: [String: String] {
        Dictionary(uniqueKeysWithValues: Placement.allCases.map { ("placement." + $0.rawValue, placement($0)) })
    }
}
