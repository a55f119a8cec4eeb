import CVips
import CVipsMeasures
import DoorstepCore
import DoorstepImaging

/// Whole-image decoding to pixels, for measuring output quality in tests and benchmarks (the
/// upload path never needs raw pixels, so this lives beside the benchmarks, not in the product).
public struct DecodedPixels: Sendable {
    public var width: Int
    public var height: Int
    /// Row-major RGB, 3 bytes a pixel, auto-rotated, sRGB.
    public var rgb: [UInt8]

    public init(width: Int, height: Int, rgb: [UInt8]) {
        (self.width, self.height, self.rgb) = (width, height, rgb)
    }

    /// Mean absolute difference per channel, 0…255. Images must have the same size.
    public func meanAbsoluteDifference(to other: DecodedPixels) -> Double? {
        guard width == other.width, height == other.height, rgb.count == other.rgb.count, !rgb.isEmpty else { return nil }
        var total = 0
        for index in rgb.indices { total += abs(Int(rgb[index]) - Int(other.rgb[index])) }
        return Double(total) / Double(rgb.count)
    }

    /// The share of the box's pixels (clipped to both images) where any channel differs from
    /// `other`'s by more than JPEG noise (8 levels): what redaction changed there, when redaction is
    /// the only difference between the two. 0 for a box outside the images.
    public func changedShare(to other: DecodedPixels, in box: (x: Int, y: Int, width: Int, height: Int)) -> Double {
        let top = max(0, box.y), bottom = min(height, other.height, box.y + box.height)
        let left = max(0, box.x), right = min(width, other.width, box.x + box.width)
        guard top < bottom, left < right else { return 0 }
        let rows = top..<bottom, columns = left..<right
        var changed = 0
        for row in rows {
            for column in columns {
                let a = (row * width + column) * 3, b = (row * other.width + column) * 3
                if (0..<3).contains(where: { abs(Int(rgb[a + $0]) - Int(other.rgb[b + $0])) > 8 }) { changed += 1 }
            }
        }
        return Double(changed) / Double(rows.count * columns.count)
    }
}

extension VipsImageProcessor {
    public func decodePixels(_ bytes: [UInt8]) throws(DoorstepError) -> DecodedPixels {
        guard ImageFormat(sniffing: bytes) != nil else { throw .unsupportedMediaType }
        var width: Int32 = 0, height: Int32 = 0
        var pixels: UnsafeMutableRawPointer?
        var length = 0
        var message = [CChar](repeating: 0, count: 256)
        let rc = bytes.withUnsafeBytes {
            dsb_decode_srgb($0.baseAddress, $0.count, &width, &height, &pixels, &length, &message, message.count)
        }
        guard rc == 0, let pixels else { throw .undecodableImage }
        defer { dsv_free(pixels) }
        return DecodedPixels(width: Int(width), height: Int(height), rgb: Array(UnsafeRawBufferPointer(start: pixels, count: length)))
    }
}
