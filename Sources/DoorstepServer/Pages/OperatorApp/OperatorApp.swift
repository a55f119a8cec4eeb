import DoorstepServices
import DoorstepCore

/// The words of the tenant operators' case desk (Assets/operator: its shell, script and
/// stylesheet): open cases, each with its evidence side by side, and the resolve form. A page over
/// the tenant API: the operator signs in with an API key, which stays in the tab's session storage only.
enum OperatorApp {
    static func words(_ language: Language) -> [String: String] {
        let strings = Strings.forLanguage(language)
        var words = (language == .fr ? french : english).merging(strings.placementWords) { $1 }
        for kind in ProblemReport.Kind.allCases { words["kind." + kind.rawValue] = strings.problemKinds[kind] ?? kind.rawValue }
        return words
    }

    static let english: [String: String] = [
        "title": "Doorstep cases", "apiKey": "Tenant API key", "open": "Open", "signOut": "Sign out",
        "casesTitle": "Open cases", "noCases": "No open cases.", "reported": "Reported", "customerSaid": "The customer said",
        "evidence": "Evidence", "photo": "Photo", "photoGone": "The photo no longer exists (deleted or expired); what outlives it is below.",
        "placement": "Where the courier left it", "location": "Location", "distance": "Distance to the address",
        "quality": "Quality", "freshness": "Freshness", "reuse": "Reuse flags", "noReuse": "None",
        "reuseOf": "near-duplicate of the photo of delivery", "sameCourier": "same courier", "bits": "bits apart",
        "receipt": "Signed receipt", "receiptKey": "key", "noReceipt": "None (not delivered)",
        "resolution": "Resolution (sent to the tenant's webhook)", "resolve": "Resolve the case", "resolved": "Resolved",
        "back": "Back to cases", "failed": "That did not work: check the API key.",
    ]

    static let french: [String: String] = [
        "title": "Litiges Doorstep", "apiKey": "Clé d'API du client", "open": "Ouvrir", "signOut": "Se déconnecter",
        "casesTitle": "Litiges ouverts", "noCases": "Aucun litige ouvert.", "reported": "Signalé", "customerSaid": "Le client a écrit",
        "evidence": "Éléments", "photo": "Photo", "photoGone": "La photo n'existe plus (supprimée ou expirée) ; ce qui lui survit est ci-dessous.",
        "placement": "Où le livreur l'a laissé", "location": "Position", "distance": "Distance à l'adresse",
        "quality": "Qualité", "freshness": "Fraîcheur", "reuse": "Réutilisation", "noReuse": "Aucune",
        "reuseOf": "quasi-doublon de la photo de la livraison", "sameCourier": "même livreur", "bits": "bits d'écart",
        "receipt": "Reçu signé", "receiptKey": "clé", "noReceipt": "Aucun (non livré)",
        "resolution": "Résolution (envoyée au webhook du client)", "resolve": "Clore le litige", "resolved": "Clos",
        "back": "Retour aux litiges", "failed": "Échec : vérifiez la clé d'API.",
    ]
}
