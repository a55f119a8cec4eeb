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
