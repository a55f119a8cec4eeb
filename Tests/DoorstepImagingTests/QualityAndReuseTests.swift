import DoorstepCore
import DoorstepImaging
import ImagingMeasures
import Foundation
import Testing

/// Quality verdicts and reuse detection on real photos: Tests/Fixtures/quality holds four corpus
/// photos with dark, dusk, overexposed, blurred, smeared, re-encoded, resized and cropped versions
/// (make_fixtures.py).
@Suite struct QualityAndReuseTests {
    static let folder = TestPhotos.repositoryRoot.appendingPathComponent("Tests/Fixtures/quality")
    static let sources = ["r01_sunset", "r05_picosdeeuropa", "r06_seeding", "r09_aitzgorri"]
    let processor = try! VipsImageProcessor()

    func processed(_ source: String, _ variant: String) throws -> ProcessedImage {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent("\(source).\(variant).jpg"))
        return try processor.process(Array(data), limits: ImageLimits(), output: ImageOutputSpec())
    }

    @Test(arguments: sources)
    func originalsPassAndDarkOrBlurredCopiesAreFlagged(_ source: String) throws {
        #expect(try processed(source, "original").quality().issues == [])
        #expect(try processed(source, "dark").quality().issues == [.tooDark])
        #expect(try processed(source, "blurred").quality().issues == [.blurry])
        #expect(try processed(source, "smeared").quality().issues == [.blurry])
        #expect(try processed(source, "overexposed").quality().issues == [.overexposed])
        // A quarter smaller than 600 px on the short side: under the 480 px minimum.
        #expect(try processed(source, "resized").quality().issues == [.tooSmall])
    }

    /// Three stops under (an eighth of the light): mean brightness 27–45, which the old rule (mean
    /// under 40) called too dark, but everything in it can be read.
    @Test(arguments: sources)
    func aDimButLegibleCopyNeedsNoRetake(_ source: String) throws {
        let (dusk, original) = (try processed(source, "dusk"), try processed(source, "original"))
        #expect(dusk.quality().issues == [])
        #expect(dusk.signals.meanBrightness < original.signals.meanBrightness / 2)
    }

    @Test func copiesMatchTheirOriginalAndDifferentPhotosDoNot() throws {
        var hashes: [String: UInt64] = [:]
        for source in Self.sources {
            for variant in ["original", "reencoded", "resized", "cropped"] {
                hashes["\(source).\(variant)"] = try processed(source, variant).perceptualHash
            }
        }
        hashes["r06_seeding.left"] = try processed("r06_seeding", "left").perceptualHash
        hashes["r06_seeding.right"] = try processed("r06_seeding", "right").perceptualHash

        let originals = Self.sources.map { "\($0).original" }
        var (truePositives, falseNegatives, falsePositives) = (0, 0, 0)
        for source in Self.sources {
            for variant in ["reencoded", "resized", "cropped"] {
                let match = PerceptualHash.isNearDuplicate(hashes["\(source).original"]!, hashes["\(source).\(variant)"]!)
                if match { truePositives += 1 } else { falseNegatives += 1 }
            }
        }
        // Different photos, similar scenes included: two mountain landscapes by one photographer
        // (r05, r09) and two halves of one field (r06 left and right).
        var differentPairs = [("r06_seeding.left", "r06_seeding.right")]
        for (i, a) in originals.enumerated() { for b in originals[(i + 1)...] { differentPairs.append((a, b)) } }
        for (a, b) in differentPairs where PerceptualHash.isNearDuplicate(hashes[a]!, hashes[b]!) { falsePositives += 1 }

        #expect(falseNegatives == 0, "copies not recognised")
        #expect(falsePositives == 0, "different photos taken for copies")
        #expect(truePositives == 12)
    }
}

@Suite struct BaselinePipelineTests {
    @Test func theVipsThumbnailBaselineDoesTheSameOutputWork() throws {
        let data = try Data(contentsOf: QualityAndReuseTests.folder.appendingPathComponent("r06_seeding.original.jpg"))
        let jpeg = try VipsThumbnailBaseline().process(Array(data), output: ImageOutputSpec(displayMaxSide: 800))
        let header = try VipsImageProcessor().readHeader(jpeg)
        #expect(header.format == .jpeg && max(header.width, header.height) == 800)
    }
}
