import Foundation

/// The camera formats Doorstep accepts, recognised by their magic bytes, never by name or
/// Content-Type: a file that merely claims to be a JPEG is refused.
public enum ImageFormat: String, Sendable, CaseIterable {
    case jpeg, png, webp, heif

    public init?(sniffing bytes: some Collection<UInt8>) {
        let head = Array(bytes.prefix(32))
        func at(_ offset: Int, _ expected: [UInt8]) -> Bool {
            head.count >= offset + expected.count && Array(head[offset..<offset + expected.count]) == expected
        }
        if at(0, [0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else if at(0, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self = .png
        } else if at(0, Array("RIFF".utf8)) && at(8, Array("WEBP".utf8)) {
            self = .webp
        } else if at(4, Array("ftyp".utf8)), head.count >= 12,
                  let brand = String(bytes: head[8..<12], encoding: .ascii),
                  ["heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1", "avif"].contains(brand) {
            // avif shares the container; libheif decodes it when built with an AV1 decoder.
            self = .heif
        } else {
            return nil
        }
    }

    /// Media types a client may send for this format.
    public static func fromMediaType(_ value: String) -> ImageFormat? {
        switch value.split(separator: ";", omittingEmptySubsequences: false)[0].trimmingCharacters(in: .whitespaces).lowercased() {
        case "image/jpeg", "image/jpg", "image/pjpeg": .jpeg
        case "image/png": .png
        case "image/webp": .webp
        case "image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence", "image/avif": .heif
        default: nil
        }
    }
}

