import Foundation

/// An RFC 5322 message: plain text and HTML alternatives, optionally inline images the HTML
/// shows by `cid:` (the sender's logo, the photo). Bodies are UTF-8 in base64; non-ASCII headers are RFC 2047 encoded words.
public struct MailMessage: Sendable {
    public var from: String
    public var fromName: String
    public var to: String
    public var subject: String
    public var messageID: String
    public var date: Date
    public var text: String
    public var html: String
    /// Extra headers, e.g. List-Unsubscribe.
    public var headers: [(String, String)]
    /// Carried in the message, not fetched from a server when it is read: no image request tells
    /// anyone when or where the recipient opened it.
    public var inlineImages: [InlineImage]

    public struct InlineImage: Sendable {
        public var contentID: String
        public var jpeg: [UInt8]

        public init(contentID: String, jpeg: [UInt8]) {
            self.contentID = contentID
            self.jpeg = jpeg
        }
    }

    public init(from: String, fromName: String, to: String, subject: String, messageID: String, date: Date, text: String, html: String,
                headers: [(String, String)] = [], inlineImages: [InlineImage] = []) {
        self.from = from
        self.fromName = fromName
        self.to = to
        self.subject = subject
        self.messageID = messageID
        self.date = date
        self.text = text
        self.html = html
        self.headers = headers
        self.inlineImages = inlineImages
    }

    public func rendered() -> String {
        let boundary = "b1_" + messageID.filter { $0.isLetter || $0.isNumber }
        var lines = [
            "From: \(Self.fromField(name: fromName, address: from))",
            "To: <\(to)>",
            "Subject: \(Self.encodedWord(subject))",
            "Date: \(Self.rfc5322Date(date))",
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
            "Auto-Submitted: auto-generated",
        ]
        lines += headers.map { "\($0.0): \($0.1)" }
        lines.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
        lines.append("")
        lines.append("--\(boundary)")
        lines += Self.part(type: "text/plain; charset=utf-8", body: Array(text.utf8))
        lines.append("--\(boundary)")
        if !inlineImages.isEmpty {
            let related = "b2_" + messageID.filter { $0.isLetter || $0.isNumber }
            lines.append("Content-Type: multipart/related; boundary=\"\(related)\"")
            lines.append("")
            lines.append("--\(related)")
            lines += Self.part(type: "text/html; charset=utf-8", body: Array(html.utf8))
            for image in inlineImages {
                lines.append("--\(related)")
                lines += Self.part(type: "image/jpeg", body: image.jpeg, extra: ["Content-ID: <\(image.contentID)>", "Content-Disposition: inline"])
            }
            lines.append("--\(related)--")
        } else {
            lines += Self.part(type: "text/html; charset=utf-8", body: Array(html.utf8))
        }
        lines.append("--\(boundary)--")
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    private static func part(type: String, body: [UInt8], extra: [String] = []) -> [String] {
        ["Content-Type: \(type)", "Content-Transfer-Encoding: base64"] + extra + [""] + wrapped(Data(body).base64EncodedString())
    }

    private static func wrapped(_ text: String, width: Int = 76) -> [String] {
        var lines: [String] = []
        var index = text.startIndex
        while index < text.endIndex {
            let end = text.index(index, offsetBy: width, limitedBy: text.endIndex) ?? text.endIndex
            lines.append(String(text[index..<end]))
            index = end
        }
        return lines
    }

    /// Header text as written when it is printable ASCII, else RFC 2047 encoded words.
    static func encodedWord(_ text: String) -> String {
        text.allSatisfy { $0.isASCII && !$0.isNewline } && !text.contains("=?") ? text : encodedWords(text)
    }

    /// A display name as an RFC 5322 phrase: as written only when it is letters, digits and
    /// spaces; anything else (a tenant's "Acme, Inc.", "<x@y>", a name that looks like an encoded
    /// word) goes encoded, so it cannot become a second address or a forged one.
    static func phrase(_ text: String) -> String {
        text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == " ") } ? text : encodedWords(text)
    }

    /// The From field's value: the address after the name, on a folded line of its own when the
    /// name is encoded (a line holding an encoded word stays within 76 characters, RFC 2047 §2).
    static func fromField(name: String, address: String) -> String {
        let written = Self.phrase(name)
        return written == name ? "\(name) <\(address)>" : "\(written)\r\n <\(address)>"
    }

    /// Base64 encoded words of 64 characters at most (RFC 2047 allows 75, on lines of 76 with the
    /// header's name: "Subject: " and a word make 73), each whole UTF-8 (cut between scalars), on
    /// folded lines.
    static func encodedWords(_ text: String) -> String {
        var words: [String] = []
        var chunk: [UInt8] = []
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            // "=?UTF-8?B?" + base64 + "?=": 39 bytes make 52 base64 characters, 64 in all.
            if chunk.count + bytes.count > 39 {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
