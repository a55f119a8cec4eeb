import Foundation

/// Why a photo may be useless as proof. Computed on the server from the processed image, sent back
/// in the upload response so the courier can retake it while still at the door.
public enum QualityIssue: String, Codable, Sendable, CaseIterable {
    case tooDark = "too_dark"
    case blurry
    case tooSmall = "too_small"
}

/// What the tenant wants done with a photo that has quality issues.
public enum QualityPolicy: String, Codable, Sendable, CaseIterable {
    /// Keep it, mark it, and ask the courier for a retake (the default: a flawed photo beats none).
    case flag
    /// Refuse it (422 `/problems/photo-unusable`); nothing is stored, the courier must retake.
    case reject
}

/// The quality signals of one photo and the issues they add up to.
public struct PhotoQuality: Codable, Sendable, Equatable {
    /// Mean of all channels of the thumbnail, 0…255.
    public var meanBrightness: Double
    /// Variance of the Laplacian of the 320 px thumbnail's luminance.
    public var sharpness: Double
    public var issues: [QualityIssue]

    public var isUsable: Bool { issues.isEmpty }

    public init(meanBrightness: Double, sharpness: Double, issues: [QualityIssue]) {
        self.meanBrightness = meanBrightness
        self.sharpness = sharpness
        self.issues = issues
    }

    /// Judges a processed photo. `width`/`height` are the upload's own pixel size.
    public init(meanBrightness: Double, sharpness: Double, width: Int, height: Int, thresholds: QualityThresholds = .standard) {
        var issues: [QualityIssue] = []
        // A dark photo has weak edges whatever its focus: call it dark, not blurred.
        if meanBrightness < thresholds.minimumBrightness {
            issues.append(.tooDark)
        } else if sharpness < thresholds.minimumSharpness {
            issues.append(.blurry)
        }
        if min(width, height) < thresholds.minimumShortSide { issues.append(.tooSmall) }
        self.init(meanBrightness: meanBrightness, sharpness: sharpness, issues: issues)
    }
}

/// Where "unusable" starts. Calibrated on the 18 corpus photos of 480 px and more through our own
/// pipeline (libvips, lanczos3 to 320 px); `bench/calibrate_quality.py` reproduces the numbers and
/// writes them to bench/results/quality-calibration.md:
/// - brightness: the photos score 79–181; the same photos at a fifth of their light (underexposed,
///   a hand over the lens) score 16–36. Threshold 40: every dark copy, no original;
/// - sharpness: the photos score 244–2274; blurred as a shaking hand or a missed focus does
///   (Gaussian, σ = 1 % of the long side) 3–9; mildly soft (σ = 0.3 %) 20–232. Threshold 100:
///   every blurred copy, most soft ones, no original;
/// - size: under 480 px on the short side shows too little of the door to find a parcel.
public struct QualityThresholds: Sendable, Equatable {
    public var minimumBrightness: Double
    public var minimumSharpness: Double
    public var minimumShortSide: Int

    public static let standard = QualityThresholds(minimumBrightness: 40, minimumSharpness: 100, minimumShortSide: 480)

    public init(minimumBrightness: Double, minimumSharpness: Double, minimumShortSide: Int) {
        self.minimumBrightness = minimumBrightness
        self.minimumSharpness = minimumSharpness
        self.minimumShortSide = minimumShortSide
    }
}
