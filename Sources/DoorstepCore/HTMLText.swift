/// Text made safe inside HTML elements and quoted attributes. Escaped scalar by scalar: escaping
/// by Swift `Character` (what swift-mustache's own HTML escaping does) misses a quote or `<` that
/// a combining mark after it (U+0301) or a prepended one before it (U+0600) fuses into one
/// grapheme, and such a quote closes an attribute.
public enum HTMLText {
    public static func escape(_ text: String) -> String {
        var escaped = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped.append(contentsOf: "&amp;".unicodeScalars)
            case "<": escaped.append(contentsOf: "&lt;".unicodeScalars)
            case ">": escaped.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": escaped.append(contentsOf: "&quot;".unicodeScalars)
            case "'": escaped.append(contentsOf: "&#39;".unicodeScalars)
            default: escaped.append(scalar)
            }
        }
        return String(escaped)
    }
}
