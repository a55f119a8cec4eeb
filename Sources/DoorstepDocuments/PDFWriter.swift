import CPDF

/// A PDF that flows paragraphs, label–value rows and JPEG photos down A4 pages (cairo and Pango
/// behind Sources/CPDF). Not thread-safe: one writer, one task; build it on a blocking pool, not
/// on the event loop (a pack with three photos takes tens of milliseconds).
public final class PDFWriter {
    public enum Style: Int32 {
        case body = 0, title, heading, small, mono
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case tooManyPages(Int)
        case badImage
        case renderer

        public var description: String {
            switch self {
            case .tooManyPages(let limit): "the document would run past \(limit) pages"
            case .badImage: "a photo is not a JPEG the pack can embed"
            case .renderer: "the PDF renderer failed"
            }
        }
    }

    private var document: OpaquePointer?
    private let maxPages: Int

    public init(maxPages: Int, footer: String, title: String, subject: String) throws(Failure) {
        self.maxPages = maxPages
        guard let document = dpdf_new(Int32(maxPages), footer, title, subject, "Doorstep") else { throw .renderer }
        self.document = document
    }

    deinit {
        // An unfinished document is discarded: finishing frees it either way.
        if let document { _ = dpdf_finish(document, nil, nil) }
    }

    public func text(_ text: String, _ style: Style = .body) throws(Failure) {
        try check(dpdf_text(document, Self.plain(text), style.rawValue))
    }

    public func field(_ label: String, _ value: String) throws(Failure) {
        try check(dpdf_field(document, Self.plain(label), Self.plain(value)))
    }

    public func space(_ points: Double) throws(Failure) {
        try check(dpdf_space(document, points))
    }

    public func pageBreak() throws(Failure) {
        try check(dpdf_page_break(document))
    }

    public func jpeg(_ bytes: [UInt8], maxHeight: Double) throws(Failure) {
        let status = bytes.withUnsafeBufferPointer { dpdf_jpeg(document, $0.baseAddress, $0.count, maxHeight) }
        try check(status)
    }

    public var pageCount: Int { Int(dpdf_page_count(document)) }

    /// The PDF's bytes; the writer is spent after.
    public func finish() throws(Failure) -> [UInt8] {
        guard let document else { throw .renderer }
        self.document = nil
        var out: UnsafeMutablePointer<UInt8>?
        var length = 0
        try check(dpdf_finish(document, &out, &length))
        guard let out else { throw .renderer }
        defer { dpdf_free_bytes(out) }
        return Array(UnsafeBufferPointer(start: out, count: length))
    }

    private func check(_ status: Int32) throws(Failure) {
        switch status {
        case DPDF_OK.rawValue: return
        case DPDF_TOO_MANY_PAGES.rawValue: throw .tooManyPages(maxPages)
        case DPDF_BAD_IMAGE.rawValue: throw .badImage
        default: throw .renderer
        }
    }

    /// C strings end at NUL: a NUL inside text a person typed would silently cut it short.
    private static func plain(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "\0" ? "\u{FFFD}" : $0 }))
    }
}
