import DoorstepCore
import Foundation
import Testing

@testable import DoorstepDocuments
@testable import DoorstepServices

/// The PDF writer's bounds: text that runs for pages, a page limit it never passes, input that
/// is not a JPEG, and text with a NUL in it. The evidence pack's words for every state it shows.
@Suite struct PDFWriterTests {
    @Test func longTextFlowsOntoNewPagesAndThePageLimitHolds() throws {
        let writer = try PDFWriter(maxPages: 3, footer: "test", title: "t", subject: "s")
        try writer.text(String(repeating: "A line of words that wraps. ", count: 400))
        #expect(writer.pageCount >= 2)
        #expect(throws: PDFWriter.Failure.tooManyPages(3)) {
            for _ in 0..<400 { try writer.field("Label", "value") }
        }
        // Spent: every further call fails the same way, and finishing says so.
        #expect(throws: PDFWriter.Failure.tooManyPages(3)) { try writer.finish() }
    }

    @Test func somethingThatIsNotAJPEGIsRefusedAndTheDocumentStillFinishes() throws {
        let writer = try PDFWriter(maxPages: 2, footer: "test", title: "t", subject: "s")
        #expect(throws: PDFWriter.Failure.badImage) { try writer.jpeg(Array("%PDF-1.4 not an image".utf8), maxHeight: 100) }
        #expect(throws: PDFWriter.Failure.badImage) { try writer.jpeg([0xFF, 0xD8, 0xFF, 0xE0, 0, 0], maxHeight: 100) }
        #expect(throws: PDFWriter.Failure.badImage) { try writer.jpeg([], maxHeight: 100) }
        try writer.text("A NUL \u{0} does not cut this short; nor do <b>tags</b> or &amp; become markup.")
        let pdf = try writer.finish()
        #expect(pdf.starts(with: Array("%PDF-".utf8)) && pdf.count > 500)
    }

    @Test(arguments: Language.allCases)
    func everyVerdictAndEventHasWords(_ language: Language) {
        let words = Strings.forLanguage(language).evidencePack
        var keys = DeliveryState.allCases.map { "state." + $0.rawValue }
        keys += LocationVerdict.allCases.map { "location." + $0.rawValue }
        keys += QualityIssue.allCases.map { "quality." + $0.rawValue }
        keys += Freshness.allCases.map { "freshness." + $0.rawValue }
        keys += ["expired", "replaced", "customer_link", "courier", "operator", "staff", "api_key", "system"].map { "deleted." + $0 }
        keys += EvidenceFacts.TimelineEntry.Kind.allCases.map { "event." + $0.rawValue }
        keys += ["reuse", "reuse.none", "reuse.same_address", "reuse.other_address"]
        keys += ["peopleNone", "peopleNotSearched", "peopleBlurred", "peopleBodiesBlurred", "facesNone", "peopleFacesOnly"]
        for key in keys { #expect(words[key] != nil, "\(language.rawValue) lacks \(key)") }
        // Placeholders are filled once: a value holding braces is not expanded again.
        #expect(EvidencePackDocument.fill("{a} and {b}", ["a": "{b}", "b": "x"]) == "{b} and x")
        #expect(EvidencePackDocument.fill("{unknown} {a", ["a": "1"]) == "{unknown} {a")
    }

    /// What the pack says was done about people, including for a photo stored before people were
    /// looked for (faces only): never "no face or person detected" when nobody looked for people.
    @Test func thePeopleLineSaysWhatWasSearchedFor() {
        let strings = Strings.forLanguage(.en)
        func said(_ redaction: Redaction) -> String { EvidencePackDocument.people(redaction, in: strings) }
        #expect(said(Redaction()) == "No face or person detected")
        #expect(said(.notSearched).starts(with: "Not searched"))
        #expect(said(Redaction(faces: 2, people: 1)) == "Faces blurred before the photo was stored: 2; People blurred before the photo was stored: 1")
        var facesOnly = Redaction()
        facesOnly.peopleSearched = false
        #expect(said(facesOnly) == "No face detected; only faces were searched for (the photo is older than the search for people)")
        facesOnly.faces = 1
        #expect(said(facesOnly).starts(with: "Faces blurred before the photo was stored: 1; only faces were searched for"))
    }
}
