import DoorstepCore
import DoorstepServices
import Testing

@testable import DoorstepServer

/// What the pages' templates do with text: every one escapes it scalar by scalar (`HTMLText`),
/// since mustache's own HTML escaping goes by Character and lets a fused quote through.
@Suite struct PageRendererTests {
    @Test func everyTemplateDeclaresTheScalarEscaping() {
        // PageRenderer refuses to start otherwise; this says which one.
        for (name, template) in PageRenderer.templates {
            #expect(template.hasPrefix("{{% CONTENT_TYPE: \(PageRenderer.contentType) }}"), "\(name)")
        }
    }

    @Test func aQuoteFusedWithAMarkCannotLeaveItsAttributeOrStartATag() throws {
        let pages = try PageRenderer()
        let hostile = "x\u{0600}\"><meta http-equiv=refresh content=0;url=//evil>\"\u{0301} onclick=y"
        let html = pages.render(
            "message", MessagePageView(words: Strings.forLanguage(.en), title: hostile, message: hostile),
            branding: TenantBranding(displayName: hostile, supportURL: "https://acme.example/"))
        #expect(!html.contains("<meta http-equiv") && !html.contains("\"\u{0301}") && !html.contains("\u{0600}\""))
        #expect(html.contains("x\u{0600}&quot;&gt;&lt;meta http-equiv=refresh"))
    }
}
