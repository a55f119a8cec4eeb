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
