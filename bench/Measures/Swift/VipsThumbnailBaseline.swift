import CVips
import CVipsMeasures
import DoorstepCore
import DoorstepImaging

/// libvips's stock `vips_thumbnail_buffer` doing our output work: the benchmarks' second baseline
/// (after Pillow-SIMD). Not used on the upload path.
public struct VipsThumbnailBaseline: Sendable {
    public init() throws {
        _ = try VipsImageProcessor()  // starts libvips once
    }

    /// Returns the 1600 px JPEG.
    public func process(_ bytes: [UInt8], output spec: ImageOutputSpec) throws(DoorstepError) -> [UInt8] {
        var out = dsv_output()
        var message = [CChar](repeating: 0, count: 512)
        let rc = bytes.withUnsafeBytes { buffer in
            message.withUnsafeMutableBufferPointer {
                dsb_thumbnail_baseline(buffer.baseAddress, buffer.count, Int32(spec.displayMaxSide), Int32(spec.thumbnailMaxSide),
                                       Int32(spec.quality), &out, $0.baseAddress!, $0.count)
            }
        }
        guard rc == 0 else { throw .undecodableImage }
        defer {
            dsv_free(out.display)
            dsv_free(out.thumbnail)
        }
        return Array(UnsafeRawBufferPointer(start: out.display, count: out.display_length))
    }
}
