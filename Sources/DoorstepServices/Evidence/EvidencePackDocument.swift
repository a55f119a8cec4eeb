import DoorstepCore
import DoorstepDocuments
import Foundation

/// The evidence pack's words and layout in one language: the PDF, and the short summary the
/// processors' free-text fields take. Times are UTC and say so: a reviewer in another country
/// reads the same clock as the receipt.
struct EvidencePackDocument {
    /// Card networks refuse evidence past 19 pages (Visa); the pack is laid out to stay well
    /// inside and the writer refuses to go past.
    static let maxPages = 19
    /// The photo's height on the page: a third of A4 leaves room for its verdicts beside it.
    static let photoHeight = 330.0

    let facts: EvidenceFacts
    let strings: Strings
    private let dates: DateFormatter

    init(facts: EvidenceFacts, strings: Strings) {
        self.facts = facts
        self.strings = strings
        dates = DateFormatter()
        dates.locale = Locale(identifier: strings.locale)
        dates.timeZone = .gmt
        dates.dateStyle = .long
        dates.timeStyle = .short
    }

    // MARK: Words

    func word(_ key: String, _ values: [String: String] = [:]) -> String {
        Self.word(key, values, in: strings)
    }

    static func word(_ key: String, _ values: [String: String] = [:], in strings: Strings) -> String {
        fill(strings.evidencePack[key] ?? key, values)
    }

    /// Replaces `{name}` placeholders in one pass, so a value that itself holds braces (a shop
    /// named "{order}") is never expanded again.
    static func fill(_ template: String, _ values: [String: String]) -> String {
        var out = "", rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}"), let value = values[String(rest[rest.index(after: open)..<close])] else {
                out.append("{")
                rest = rest[rest.index(after: open)...]
                continue
            }
            out += value
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    func time(_ date: Date) -> String { dates.string(from: date) + " UTC" }

    var visits: String {
        let visits = facts.visitsAfterDelivery
        guard let first = visits.first else { return "0" }
        return "\(visits.count) (\(word("firstVisit")): \(time(first.at)))"
    }

    func quality(_ issues: [QualityIssue]) -> String {
        issues.isEmpty ? word("qualityOK") : issues.map { word("quality." + $0.rawValue) }.joined(separator: ", ")
    }

    /// Look-alikes at the same address are a regular customer's door; another address's are the
    /// suspicious kind, which the shop has had as a case to check.
    func reuse(_ matches: [ReuseMatch]) -> String {
        guard !matches.isEmpty else { return word("reuse.none") }
        let same = matches.filter(\.sameAddress).count, other = matches.count - same
        return [(same, "reuse.same_address"), (other, "reuse.other_address")].filter { $0.0 > 0 }
            .map { word($0.1, ["n": String($0.0)]) }.joined(separator: "; ")
    }

    func people(_ redaction: Redaction) -> String { Self.people(redaction, in: strings) }

    static func people(_ redaction: Redaction, in strings: Strings) -> String {
        func word(_ key: String, _ values: [String: String] = [:]) -> String { Self.word(key, values, in: strings) }
        guard redaction.searched else { return word("peopleNotSearched") }
        let found = [(redaction.faces, "peopleBlurred"), (redaction.people, "peopleBodiesBlurred")].filter { $0.0 > 0 }
            .map { word($0.1, ["n": String($0.0)]) }.joined(separator: "; ")
        // A photo from before people were looked for says so, rather than "no person detected".
        guard redaction.peopleSearched else { return (found.isEmpty ? word("facesNone") : found) + "; " + word("peopleFacesOnly") }
        return found.isEmpty ? word("peopleNone") : found
    }

    /// "Neighbour chosen by the recipient: no. 12 (chosen 3 Dec 2026, 09:12 UTC)": the recipient's own instruction,
    /// a strong fact when the parcel was left where they asked.
    /// "4 December 2026 at 14:02 UTC: Nobody was at home."
    func attempt(_ attempt: DeliveryAttempt) -> String {
        time(attempt.at) + ": " + strings.attemptReason(attempt.reason)
    }

    func dropChoice(_ choice: DropChoice) -> String {
        // The recipient's words in quotes: theirs, not a fact the pack asserts.
        word("drop." + choice.kind.rawValue) + ": “" + choice.details + "” (" + word("chosen", ["at": time(choice.chosenAt)]) + ")"
    }

    /// The delivery's key facts as "label: value" lines, for Stripe's `uncategorized_text`,
    /// PayPal's `notes` and Braintree's general text evidence.
    var summary: String {
        let delivery = facts.delivery
        var lines = [word("title") + " · " + facts.tenant.name, word("order") + ": " + delivery.orderReference,
                     word("status") + ": " + word("state." + delivery.state.rawValue)]
        if let at = delivery.deliveredAt { lines.append(word("deliveredAt") + ": " + time(at)) }
        if let placement = delivery.placement { lines.append(word("placement") + ": " + strings.placement(placement)) }
        if let choice = delivery.dropChoice { lines.append(word("dropChoice") + ": " + dropChoice(choice)) }
        if let at = delivery.handedOverAt { lines.append(word(handedOverWord) + ": " + time(at)) }
        if !facts.attempts.isEmpty { lines.append(word("sectionAttempts") + ": " + facts.attempts.map(attempt).joined(separator: "; ")) }
        if let proof = facts.deliveryPhotos.last?.proof {
            lines.append(word("location") + ": " + word("location." + proof.locationVerdict.rawValue)
                         + (proof.distanceToAddress.map { " (" + word("metres", ["m": String(Int($0.rounded()))]) + ")" } ?? ""))
            lines.append(word("freshness") + ": " + word("freshness." + proof.freshness.rawValue))
        }
        lines.append(word("visitsAfterDelivery") + ": " + visits)
        if let digest = facts.receiptDigest { lines.append(word("receiptHash") + ": " + digest) }
        return lines.joined(separator: "\n")
    }

    // MARK: The PDF

    func render() throws -> (pdf: [UInt8], pages: Int) {
        let delivery = facts.delivery
        let pdf = try PDFWriter(
            maxPages: Self.maxPages, footer: word("footer", ["order": delivery.orderReference]),
            title: word("title") + " · " + delivery.orderReference, subject: facts.tenant.name)
        try pdf.text(word("title"), .title)
        try pdf.text(word("intro", ["sender": facts.tenant.name]))
        try pdf.text(word("generated") + ": " + time(facts.generatedAt) + ". " + word("times"), .small)

        try pdf.text(word("sectionDelivery"), .heading)
        try pdf.field(word("sender"), facts.tenant.name)
        try pdf.field(word("order"), delivery.orderReference)
        try pdf.field(word("deliveryID"), delivery.id)
        try pdf.field(word("recipient"), delivery.recipient.name)
        try pdf.field(word("address"), delivery.address)
        try pdf.field(word("status"), word("state." + delivery.state.rawValue))
        if let at = delivery.deliveredAt { try pdf.field(word("deliveredAt"), time(at)) }
        if let placement = delivery.placement { try pdf.field(word("placement"), strings.placement(placement)) }
        if let note = delivery.note, !note.isEmpty { try pdf.field(word("courierNote"), note) }
        if let choice = delivery.dropChoice { try pdf.field(word("dropChoice"), dropChoice(choice)) }
        if let at = delivery.handedOverAt { try pdf.field(word(handedOverWord), time(at)) }
        try pdf.field(word("visitsAfterDelivery"), visits)

        try pdf.text(word("sectionPhotos"), .heading)
        if facts.photos.isEmpty { try pdf.text(word("noPhoto")) }
        // The delivery's photos are numbered by slot, as the receipt names them (a retake says it
        // was replaced); a door photo or a signature says what it is instead.
        let count = facts.deliveryPhotos.map(\.proof.slot).max() ?? 1
        for photo in facts.photos {
            try photoSection(photo, number: photo.proof.isParcelPhoto ? photo.proof.slot : nil, of: count, into: pdf)
        }

        try pdf.text(word("sectionAttempts"), .heading)
        if facts.attempts.isEmpty { try pdf.text(word("noAttempts")) }
        for attempt in facts.attempts {
            try pdf.field(word("attemptAt"), time(attempt.at))
            try pdf.field(word("attemptReason"), strings.attemptReason(attempt.reason))
            if let note = attempt.note, !note.isEmpty { try pdf.field(word("courierNote"), Self.excerpt(note)) }
            try pdf.space(4)
        }

        try pdf.text(word("sectionTimeline"), .heading)
        for entry in facts.timeline { try pdf.field(time(entry.at), word("event." + entry.kind.rawValue)) }
        if facts.visitsTruncated { try pdf.text(word("moreEvents", ["n": String(EvidencePackService.visitsListed)]), .small) }

        try pdf.text(word("sectionReports"), .heading)
        if facts.reports.isEmpty { try pdf.text(word("noReports")) }
        for report in facts.reports {
            try pdf.field(word("reportKind"), strings.problemKind(report.kind))
            try pdf.field(word("reportedAt"), time(report.createdAt))
            if !report.details.isEmpty { try pdf.field(word("reportDetails"), Self.excerpt(report.details)) }
            try pdf.field(word("resolution"), report.resolution ?? word("stillOpen"))
            if let at = report.resolvedAt { try pdf.field(word("resolvedAt"), time(at)) }
            try pdf.space(6)
        }

        try pdf.text(word("sectionReceipt"), .heading)
        if let receipt = facts.receipt, let digest = facts.receiptDigest {
            try pdf.text(word("receiptExplain", ["sender": facts.tenant.name, "kid": receipt.keyID, "jwks": facts.keySetURL]))
            try pdf.field(word("receiptHash"), digest)
            try pdf.field(word("receiptKey"), receipt.keyID)
            if let jws = receipt.jws {
                try pdf.text(word("receiptToken"), .small)
                try pdf.text(jws, .mono)
            }
        } else {
            try pdf.text(word("noReceipt"))
        }
        let pages = pdf.pageCount
        return (try pdf.finish(), pages)
    }

    /// A report's words as one paragraph of at most `reportExcerpt` characters: the person who
    /// disputes the delivery wrote them, and 2,000 newlines must not push the pack past its pages.
    static let reportExcerpt = 600

    static func excerpt(_ text: String) -> String {
        let folded = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
        return folded.count > reportExcerpt ? String(folded.prefix(reportExcerpt)) + "…" : folded
    }

    /// Handed over with the recipient's code, or against their signature.
    private var handedOverWord: String { facts.photos.contains { $0.proof.kind == .signature } ? "handedOverSigned" : "handedOver" }

    /// The recipient's signature: when, the name beside it, the drawing (small) and its digest.
    private func signatureSection(_ photo: EvidenceFacts.PhotoEvidence, into pdf: PDFWriter) throws {
        let proof = photo.proof
        try pdf.text(word("signature", ["at": time(proof.uploadedAt)]), .small)
        if let jpeg = photo.jpeg { try pdf.jpeg(jpeg, maxHeight: Self.photoHeight / 3) }
        if let name = proof.signedBy { try pdf.field(word("signedBy"), name) }
        try pdf.field(word("fingerprint"), proof.sha256)
        if let deleted = proof.deletedAt {
            try pdf.field(word("deleted"), time(deleted) + (proof.deletedReason.map { ", " + word("deleted." + $0.rawValue) } ?? ""))
        }
        try pdf.space(8)
    }

    private func photoSection(_ photo: EvidenceFacts.PhotoEvidence, number: Int?, of count: Int, into pdf: PDFWriter) throws {
        let proof = photo.proof
        if proof.kind == .signature { return try signatureSection(photo, into: pdf) }
        if let number, count > 1 { try pdf.text(word("photoNumber", ["n": String(number), "count": String(count)]), .small) }
        if proof.isDoorPhoto { try pdf.text(word("doorPhoto", ["at": time(proof.uploadedAt)]), .small) }
        // A door photo is smaller: up to ten attempts must leave the delivery's own photo its room.
        if let jpeg = photo.jpeg { try pdf.jpeg(jpeg, maxHeight: proof.isDoorPhoto ? Self.photoHeight / 2 : Self.photoHeight) }
        try pdf.field(word("received"), time(proof.uploadedAt))
        if let captured = proof.capturedAt { try pdf.field(word("captured"), time(captured)) }
        try pdf.field(word("placement"), strings.placement(proof.placement))
        try pdf.field(word("location"), word("location." + proof.locationVerdict.rawValue))
        if let distance = proof.distanceToAddress { try pdf.field(word("distance"), word("metres", ["m": String(Int(distance.rounded()))])) }
        try pdf.field(word("quality"), quality(proof.qualityIssues))
        try pdf.field(word("freshness"), word("freshness." + proof.freshness.rawValue))
        try pdf.field(word("people"), people(proof.redaction))
        try pdf.field(word("reuse"), reuse(photo.reuse))
        try pdf.field(word("fingerprint"), proof.sha256)
        if let deleted = proof.deletedAt {
            if let until = proof.proofThumbnailUntil {
                try pdf.text(word("proofThumbnail", ["until": time(until)]))
            } else {
                try pdf.text(word("photoGone"))
            }
            try pdf.field(word("deleted"), time(deleted) + (proof.deletedReason.map { ", " + word("deleted." + $0.rawValue) } ?? ""))
        }
        try pdf.space(8)
    }
}
