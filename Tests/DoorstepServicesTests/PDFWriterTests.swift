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
        for key in keys { #expect(words[key] != nil, "\(language.rawValue) lacks \(key)") }
        // Placeholders are filled once: a value holding braces is not expanded again.
        #expect(EvidencePackDocument.fill("{a} and {b}", ["a": "{b}", "b": "x"]) == "{b} and x")
        #expect(EvidencePackDocument.fill("{unknown} {a", ["a": "1"]) == "{unknown} {a")
    }
}
