import CVips
import DoorstepCore
import Foundation

/// The libvips implementation. Format is sniffed from the bytes and only that loader runs;
/// the pixel limit is checked from the header before decoding.
public struct VipsImageProcessor: ImageProcessor {
    /// libvips must start once per process; the first processor created starts it.
    private static let started: Result<Void, VipsStartError> = {
        var message = [CChar](repeating: 0, count: 512)
        guard dsv_init(&message, message.count) == 0 else {
            return .failure(VipsStartError(message: String(decoding: message.prefix { $0 != 0 }.map(UInt8.init), as: UTF8.self)))
        }
        return .success(())
    }()

    public struct VipsStartError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { "libvips failed to start: \(message)" }
    }

    public init() throws {
        try Self.started.get()
        try FaceModel.load()
    }

    public func readHeader(_ bytes: [UInt8]) throws(DoorstepError) -> ImageHeader {
        guard let format = ImageFormat(sniffing: bytes) else { throw .unsupportedMediaType }
        var raw = dsv_header()
        let rc = bytes.withUnsafeBytes { buffer in
            withErrorBuffer { dsv_read_header(format.cFormat, buffer.baseAddress, buffer.count, &raw, $0, $1) }
        }
        guard rc == 0, raw.width > 0, raw.height > 0 else { throw .undecodableImage }
        return ImageHeader(format: format, raw: raw)
    }

    public func process(_ bytes: [UInt8], limits: ImageLimits, output spec: ImageOutputSpec) throws(DoorstepError) -> ProcessedImage {
        guard bytes.count <= limits.maxBytes else { throw .payloadTooLarge(limit: limits.maxBytes) }
        let header = try readHeader(bytes)
        guard header.pixelCount <= limits.maxPixels else { throw .tooManyPixels(limit: limits.maxPixels) }

        var out = dsv_output()
        let rc = bytes.withUnsafeBytes { buffer in
            withErrorBuffer {
                dsv_process(header.format.cFormat, buffer.baseAddress, buffer.count, Int32(header.width), Int32(header.height), Int32(header.orientation),
                            Int32(spec.displayMaxSide), Int32(spec.thumbnailMaxSide), Int32(spec.quality),
                            spec.cRedactionSearchSide, limits.budgetMilliseconds, &out, $0, $1)
            }
        }
        guard rc == 0 else { throw .undecodableImage }
        return ProcessedImage(header: header, searched: spec.searchesForFaces, taking: &out)
    }
}

extension ImageLimits {
    var budgetMilliseconds: Int32 { Int32(max(1, min(decodeBudget / .milliseconds(1), 3_600_000))) }
}

extension ImageHeader {
    /// What the shim read from the image's own header (before it is stripped).
    init(format: ImageFormat, raw: dsv_header) {
        let captureTime = withUnsafeBytes(of: raw.capture_time) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        self.init(
            format: format,
            width: Int(raw.width),
            height: Int(raw.height),
            orientation: Int(raw.orientation),
            capturedAt: ExifDate.parse(captureTime),
            position: raw.has_gps != 0 ? try? Coordinate(latitude: raw.gps_latitude, longitude: raw.gps_longitude) : nil
        )
    }
}

extension ProcessedImage {
    /// Copies the shim's output into Swift arrays and frees the shim's buffers.
    init(header: ImageHeader, searched: Bool, taking out: inout dsv_output) {
        defer {
            dsv_free(out.display)
            dsv_free(out.thumbnail)
            out = dsv_output()
        }
        self.init(
            header: header,
            display: EncodedImage(
                jpeg: Array(UnsafeRawBufferPointer(start: out.display, count: out.display_length)),
                width: Int(out.display_width), height: Int(out.display_height)),
            thumbnail: EncodedImage(
                jpeg: Array(UnsafeRawBufferPointer(start: out.thumbnail, count: out.thumbnail_length)),
                width: Int(out.thumbnail_width), height: Int(out.thumbnail_height)),
            signals: QualitySignals(
                meanBrightness: out.signals.mean_brightness, brightLevel: out.signals.bright_level,
                darkShare: out.signals.dark_share, clippedShare: out.signals.clipped_share,
                sharpness: out.signals.sharpness, weakerSharpness: out.signals.weaker_sharpness),
            perceptualHash: out.dhash,
            redaction: searched ? Redaction(faces: Int(out.faces), people: Int(out.people)) : .notSearched
        )
    }
}

/// Runs a shim call with a buffer for its error text, and drops the text: libvips messages can
/// name internals, so callers only ever see the typed error.
private func withErrorBuffer(_ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) -> Int32 {
    var message = [CChar](repeating: 0, count: 512)
    return message.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
}

extension ImageFormat {
    var cFormat: dsv_format {
        switch self {
        case .jpeg: DSV_FORMAT_JPEG
        case .png: DSV_FORMAT_PNG
        case .webp: DSV_FORMAT_WEBP
        case .heif: DSV_FORMAT_HEIF
        }
    }
}

/// EXIF dates are local time without a zone ("2020:01:02 03:04:05"); we read them as UTC,
/// which is what most phones' OffsetTime-less files leave us.
enum ExifDate {
    static func parse(_ text: String) -> Date? {
        let digits = text.split(whereSeparator: { $0 == ":" || $0 == " " }).compactMap { Int($0) }
        guard digits.count == 6, digits[0] > 1970 else { return nil }
        var components = DateComponents()
        (components.year, components.month, components.day) = (digits[0], digits[1], digits[2])
        (components.hour, components.minute, components.second) = (digits[3], digits[4], digits[5])
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: components)
    }
}
