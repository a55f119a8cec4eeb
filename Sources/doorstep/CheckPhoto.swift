import ArgumentParser
import DoorstepCore
import DoorstepImaging
import Foundation

/// Runs photos through the upload pipeline and prints what the server would judge: the quality
/// signals and verdict and the perceptual hash. For operators tuning thresholds, and for
/// `bench/calibrate_quality.py`. Nothing is stored.
struct CheckPhoto: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-photo", abstract: "Print the quality verdict and perceptual hash of image files (one JSON object per line).")

    @Argument(help: "Image files.") var files: [String]

    struct Report: Encodable {
        var file: String
        var width: Int?
        var height: Int?
        var meanBrightness: Double?
        var brightLevel: Double?
        var darkShare: Double?
        var clippedShare: Double?
        var sharpness: Double?
        var weakerSharpness: Double?
        var dhash: String?
        var issues: [QualityIssue]?
        var error: String?

        enum CodingKeys: String, CodingKey {
            case file, width, height, meanBrightness = "mean_brightness", brightLevel = "bright_level", darkShare = "dark_share"
            case clippedShare = "clipped_share", sharpness, weakerSharpness = "weaker_sharpness", dhash, issues, error
        }
    }

    func run() async throws {
        // Files from anywhere (a courier's complaint, a customer's mail): decoded in a helper, as the server does.
        let processor = IsolatedImageProcessor(memoryLimitMB: IsolatedImageProcessor.defaultMemoryLimitMB)
        defer { processor.shutdown() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for file in files {
            var report = Report(file: file)
            do {
                let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
                let processed = try processor.process(bytes, limits: ImageLimits(), output: ImageOutputSpec())
                let quality = processed.quality()
                (report.width, report.height) = (processed.header.width, processed.header.height)
                let signals = processed.signals
                report.meanBrightness = (signals.meanBrightness * 10).rounded() / 10
                report.brightLevel = signals.brightLevel
                report.darkShare = (signals.darkShare * 1000).rounded() / 1000
                report.clippedShare = (signals.clippedShare * 1000).rounded() / 1000
                report.sharpness = signals.sharpness.rounded()
                report.weakerSharpness = signals.weakerSharpness.rounded()
                report.dhash = String(processed.perceptualHash, radix: 16).leftPadded(to: 16)
                report.issues = quality.issues
            } catch {
                report.error = String(describing: error)
            }
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        }
    }
}

extension String {
    func leftPadded(to length: Int) -> String { String(repeating: "0", count: max(0, length - count)) + self }
}
