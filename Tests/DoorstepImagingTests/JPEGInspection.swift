/// Reads the marker segments of a JPEG, to prove what an output does and does not carry.
struct JPEGInspection {
    var markers: [UInt8] = []
    var components: Int = 0
    var width: Int = 0
    var height: Int = 0

    init?(_ bytes: [UInt8]) {
        guard bytes.count > 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        var index = 2
        while index + 4 <= bytes.count {
            guard bytes[index] == 0xFF else { return nil }
            let marker = bytes[index + 1]
            markers.append(marker)
            if marker == 0xDA { break }  // start of scan: entropy-coded data follows
            let length = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
            if (0xC0...0xCF).contains(marker), marker != 0xC4, marker != 0xC8, marker != 0xCC, index + 9 < bytes.count {
                height = Int(bytes[index + 5]) << 8 | Int(bytes[index + 6])
                width = Int(bytes[index + 7]) << 8 | Int(bytes[index + 8])
                components = Int(bytes[index + 9])
            }
            index += 2 + length
        }
    }

    /// APPn (0xE0–0xEF) carry EXIF, XMP, ICC, IPTC, JFIF; COM (0xFE) carries comments.
    var metadataMarkers: [UInt8] { markers.filter { (0xE0...0xEF).contains($0) || $0 == 0xFE } }
}

extension Array where Element == UInt8 {
    func contains(ascii needle: String) -> Bool {
        let pattern = Array(needle.utf8)
        guard pattern.count <= count else { return false }
        return (0...(count - pattern.count)).contains { start in
            self[start] == pattern[0] && Array(self[start..<start + pattern.count]) == pattern
        }
    }
}

extension Array where Element == UInt8 {
    /// The same JPEG with its EXIF orientation tag (0x0112 in IFD0) set to `value`; nil when the
    /// file has no such tag. Lets a test make the orientations the corpus lacks (5 and 7).
    func settingEXIFOrientation(_ value: UInt16) -> [UInt8]? {
        guard let exif = firstRange(of: Array("Exif\0\0".utf8)) else { return nil }
        let tiff = exif.upperBound
        guard tiff + 8 <= count else { return nil }
        let little = self[tiff] == 0x49  // "II"
        func read16(_ at: Int) -> Int { little ? Int(self[at]) | Int(self[at + 1]) << 8 : Int(self[at]) << 8 | Int(self[at + 1]) }
        func read32(_ at: Int) -> Int { little ? read16(at) | read16(at + 2) << 16 : read16(at) << 16 | read16(at + 2) }
        let ifd = tiff + read32(tiff + 4)
        guard ifd + 2 <= count else { return nil }
        var copy = self
        for entry in 0..<read16(ifd) {
            let at = ifd + 2 + entry * 12
            guard at + 12 <= count else { return nil }
            if read16(at) == 0x0112 {
                copy[at + 8] = little ? UInt8(value & 0xFF) : UInt8(value >> 8)
                copy[at + 9] = little ? UInt8(value >> 8) : UInt8(value & 0xFF)
                return copy
            }
        }
        return nil
    }

    func firstRange(of needle: [UInt8]) -> Range<Int>? {
        guard needle.count <= count else { return nil }
        for start in 0...(count - needle.count) where self[start] == needle[0] && Array(self[start..<start + needle.count]) == needle {
            return start..<start + needle.count
        }
        return nil
    }
}
