import Foundation

/// Why a photo may be useless as proof. Computed on the server from the processed image, sent back
/// in the upload response so the courier can retake it while still at the door.
public enum QualityIssue: String, Codable, Sendable, CaseIterable {
    case tooDark = "too_dark"
    /// Much of the frame blown out to white (a flash too close, the sun in the lens).
    case overexposed
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

/// What a photo's quality is judged on, measured on its 320 px thumbnail before redaction (see
/// `dsv_signals` in the image shim for how each is computed).
public struct QualitySignals: Sendable, Equatable {
    /// Mean of all channels, 0…255. Kept for the record; the verdict no longer rests on it: a dim
    /// photo can be perfectly legible.
    public var meanBrightness: Double
    /// The luminance the brightest fiftieth of the frame reaches (98th percentile), 0…255.
    public var brightLevel: Double
    /// Share of the frame crushed to black (luminance under 20), 0…1.
    public var darkShare: Double
    /// Share of the frame blown out: two colour channels or three at 250 and up, 0…1.
    public var clippedShare: Double
    /// Variance of the Laplacian with the contrast stretched (so a dim photo in focus scores as a
    /// bright one would): low means blurred.
    public var sharpness: Double
    /// The same along the weakest of four directions (across, down, both diagonals): low means
    /// smeared one way, as a moving hand does.
    public var weakerSharpness: Double

    public init(meanBrightness: Double, brightLevel: Double, darkShare: Double, clippedShare: Double,
                sharpness: Double, weakerSharpness: Double) {
        self.meanBrightness = meanBrightness
        self.brightLevel = brightLevel
        self.darkShare = darkShare
        self.clippedShare = clippedShare
        self.sharpness = sharpness
        self.weakerSharpness = weakerSharpness
    }
}

/// The quality signals of one photo that are kept, and the issues they added up to.
public struct PhotoQuality: Codable, Sendable, Equatable {
    /// Mean of all channels of the thumbnail, 0…255.
    public var meanBrightness: Double
    /// Variance of the Laplacian of the 320 px thumbnail's luminance, contrast stretched.
    public var sharpness: Double
    public var issues: [QualityIssue]

    public var isUsable: Bool { issues.isEmpty }

    public init(meanBrightness: Double, sharpness: Double, issues: [QualityIssue]) {
        self.meanBrightness = meanBrightness
        self.sharpness = sharpness
        self.issues = issues
    }

    /// Judges a processed photo. `width`/`height` are the upload's own pixel size.
    public init(_ signals: QualitySignals, width: Int, height: Int, thresholds: QualityThresholds = .standard) {
        var issues: [QualityIssue] = []
        // A dark or blown-out photo has weak edges whatever its focus: call it what it is, not blurred.
        // Mostly black is too dark only if nothing in it is bright either: a parcel lit by a porch
        // lamp in a black night can be read.
        let crushed = signals.darkShare > thresholds.maximumDarkShare && signals.brightLevel < thresholds.litLevel
        if signals.brightLevel < thresholds.minimumBrightLevel || crushed {
            issues.append(.tooDark)
        } else if signals.clippedShare > thresholds.maximumClippedShare {
            issues.append(.overexposed)
        } else if signals.sharpness < thresholds.minimumSharpness || signals.weakerSharpness < thresholds.minimumWeakerSharpness {
            issues.append(.blurry)
        }
        if min(width, height) < thresholds.minimumShortSide { issues.append(.tooSmall) }
        self.init(meanBrightness: signals.meanBrightness, sharpness: signals.sharpness, issues: issues)
    }
}

/// Where "unusable" starts: judged on legibility, not on the mean brightness (a forest path at
/// dusk, mean 35, is perfectly readable). Calibrated through our own pipeline (libvips, lanczos3 to
/// 320 px) on the corpus photos copied as a courier's camera would get them (bench/quality/
/// conditions.py: dusk, night with flash or a porch lamp, snow, indoor light, noise, raindrops,
/// under- and overexposure, smears, defocus, a blank frame) and checked on real photos of hard light;
/// `bench/calibrate_quality.py` prints the table and the confusion matrix (BENCHMARKS.md):
/// - too dark: the brightest fiftieth of the frame under 56 of 255 (legible dusk copies at −3 EV
///   reach 74 and up, copies at −5 EV 36–51), or more than 80 % crushed to black with nothing
///   reaching 100 (a parcel under a porch lamp does);
/// - overexposed: more than 40 % of the frame blown out in two channels or three (+4 EV and a flash
///   too close: 42 % and up; but one legible +1 EV copy of the brightest photo reaches 46 %, and a
///   white wall in full sun filling half the frame would count too);
/// - blurred: a stretched Laplacian variance under 100 (photos 280 and up, defocused copies under
///   65, a blank frame under 25), or under 25 along the weakest of four directions (photos 85 and
///   up, a night flash's dark corners down to 29; a 2 % smear across 4–54, diagonally 13–91: most
///   smears across, a third of the diagonal ones; a stricter bar asked legible flash photos to
///   retake). A defocused dusk photo with strong sensor noise passes: the noise reads as detail;
/// - size: under 480 px on the short side shows too little of the door to find a parcel.
public struct QualityThresholds: Sendable, Equatable {
    public var minimumBrightLevel: Double
    public var maximumDarkShare: Double
    /// A frame mostly crushed to black is still legible where its bright part reaches this.
    public var litLevel: Double
    public var maximumClippedShare: Double
    public var minimumSharpness: Double
    public var minimumWeakerSharpness: Double
    public var minimumShortSide: Int

    public static let standard = QualityThresholds(
        minimumBrightLevel: 56, maximumDarkShare: 0.8, litLevel: 100, maximumClippedShare: 0.4,
        minimumSharpness: 100, minimumWeakerSharpness: 25, minimumShortSide: 480)

    public init(minimumBrightLevel: Double, maximumDarkShare: Double, litLevel: Double, maximumClippedShare: Double,
                minimumSharpness: Double, minimumWeakerSharpness: Double, minimumShortSide: Int) {
        self.minimumBrightLevel = minimumBrightLevel
        self.maximumDarkShare = maximumDarkShare
        self.litLevel = litLevel
        self.maximumClippedShare = maximumClippedShare
        self.minimumSharpness = minimumSharpness
        self.minimumWeakerSharpness = minimumWeakerSharpness
        self.minimumShortSide = minimumShortSide
    }
}
