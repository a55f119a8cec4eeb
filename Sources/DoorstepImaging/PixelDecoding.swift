import CVips
import DoorstepCore

/// Whole-image decoding to pixels, for measuring output quality in tests and benchmarks (the
/// upload path never needs raw pixels).
public struct DecodedPixels: Sendable {
    public var width: Int
    public var height: Int
    /// Row-major RGB, 3 bytes a pixel, auto-rotated, sRGB.
    public var rgb: [UInt8]

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
        guard let format = ImageFormat(sniffing: bytes) else { throw .unsupportedMediaType }
        var width: Int32 = 0, height: Int32 = 0
        var pixels: UnsafeMutableRawPointer?
        var length = 0
        var message = [CChar](repeating: 0, count: 256)
        let rc = bytes.withUnsafeBytes {
            dsv_decode_srgb(format.cFormat, $0.baseAddress, $0.count, &width, &height, &pixels, &length, &message, message.count)
        }
        guard rc == 0, let pixels else { throw .undecodableImage }
        defer { dsv_free(pixels) }
        return DecodedPixels(width: Int(width), height: Int(height), rgb: Array(UnsafeRawBufferPointer(start: pixels, count: length)))
    }
}
