import DoorstepCore
import Foundation

/// Limits enforced before a single pixel is decoded.
public struct ImageLimits: Sendable {
    public var maxBytes: Int
    public var maxPixels: Int
    /// Decoding and processing one image past this is stopped and the image refused: a bound on
    /// what one hostile file can cost. CPU time in a decoder helper (`IsolatedImageProcessor`:
    /// checked row by row for JPEG and between libvips's progress reports, and a CPU timer for
    /// what those cannot reach, such as one HEIF or WebP frame); wall time in-process
    /// (`VipsImageProcessor`), where only the graceful checks apply. Real photos within the pixel
    /// limit take well under a second here (BENCHMARKS.md).
    public var decodeBudget: Duration

    public init(maxBytes: Int = 20 * 1024 * 1024, maxPixels: Int = 60_000_000, decodeBudget: Duration = .seconds(10)) {
        self.maxBytes = maxBytes
        self.maxPixels = maxPixels
        self.decodeBudget = decodeBudget
    }
}

/// What the output looks like: a display variant and a thumbnail, both JPEG.
public struct ImageOutputSpec: Sendable {
    public var displayMaxSide: Int
    public var thumbnailMaxSide: Int
    public var quality: Int
    /// Faces are searched for on a copy this size (longest side) and pixelated in both variants;
    /// nil stores the pixels as taken (a tenant's `people_policy` of `off`). At 1280 px every
    /// labelled face from 40 px wide in the 1600 px display was found (30 px: 83 %); recall and
    /// cost at each size are in BENCHMARKS.md, "Redaction".
    public var redactionSearchSide: Int?

    public static let defaultRedactionSearchSide = 1280

    public init(displayMaxSide: Int = 1600, thumbnailMaxSide: Int = 320, quality: Int = 80,
                redactionSearchSide: Int? = ImageOutputSpec.defaultRedactionSearchSide) {
        self.displayMaxSide = displayMaxSide
        self.thumbnailMaxSide = thumbnailMaxSide
        self.quality = quality
        self.redactionSearchSide = redactionSearchSide
    }

    /// As the shim takes it: 0 for no redaction.
    var cRedactionSearchSide: Int32 { Int32(clamping: max(0, redactionSearchSide ?? 0)) }

    /// Whether the shim will search: what a processed image records as `searched`.
    var searchesForFaces: Bool { cRedactionSearchSide > 0 }
}

/// The little we read from an image's own metadata before it is stripped.
public struct ImageHeader: Sendable, Equatable {
    public var format: ImageFormat
    public var width: Int
    public var height: Int
    public var orientation: Int
    public var capturedAt: Date?
    public var position: Coordinate?

    public var pixelCount: Int { width * height }
}

public struct EncodedImage: Sendable {
    public var jpeg: [UInt8]
    public var width: Int
    public var height: Int
}

public struct ProcessedImage: Sendable {
    public var header: ImageHeader
    public var display: EncodedImage
    public var thumbnail: EncodedImage
    /// What the quality verdict is judged on, measured on the thumbnail before redaction.
    public var signals: QualitySignals
    /// 64-bit difference hash of the thumbnail, for finding the same scene photographed twice.
    public var perceptualHash: UInt64
    /// What was pixelated in both variants (nothing when redaction was off).
    public var redaction: Redaction

    /// The quality verdict of this image under the given thresholds.
    public func quality(_ thresholds: QualityThresholds = .standard) -> PhotoQuality {
        let (width, height) = header.orientation >= 5 ? (header.height, header.width) : (header.width, header.height)
        return PhotoQuality(signals, width: width, height: height, thresholds: thresholds)
    }
}

/// Turns untrusted upload bytes into clean, metadata-free JPEG variants. Calls block: run them
/// on a worker pool, never on an event loop.
public protocol ImageProcessor: Sendable {
    func process(_ bytes: [UInt8], limits: ImageLimits, output: ImageOutputSpec) throws(DoorstepError) -> ProcessedImage
    /// Checks now what could otherwise fail on the first upload (helper processes can start).
    func start() throws
    /// Lets go of what the processor holds (helper processes); called once, when the server stops.
    func shutdown()
}

extension ImageProcessor {
    public func start() throws {}
    public func shutdown() {}
}
