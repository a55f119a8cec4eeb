import DoorstepCore
import Testing

@Suite struct EvidenceRulesTests {
    @Test func eachQualityIssueHasItsThreshold() {
        let t = QualityThresholds.standard
        #expect(PhotoQuality(meanBrightness: 120, sharpness: 400, width: 4000, height: 3000).issues == [])
        #expect(PhotoQuality(meanBrightness: t.minimumBrightness - 1, sharpness: 400, width: 4000, height: 3000).issues == [.tooDark])
        #expect(PhotoQuality(meanBrightness: 120, sharpness: t.minimumSharpness - 1, width: 4000, height: 3000).issues == [.blurry])
        #expect(PhotoQuality(meanBrightness: 120, sharpness: 400, width: 640, height: t.minimumShortSide - 1).issues == [.tooSmall])
        #expect(PhotoQuality(meanBrightness: 120, sharpness: 400, width: 640, height: 480).isUsable)
    }

    @Test func aDarkPhotoIsCalledDarkNotAlsoBlurred() {
        // Little light means weak edges whatever the focus: one honest reason, not two.
        let quality = PhotoQuality(meanBrightness: 10, sharpness: 5, width: 300, height: 200)
        #expect(quality.issues == [.tooDark, .tooSmall])
        #expect(!quality.isUsable)
    }

    @Test func locationVerdictFollowsTheTenantRadii() throws {
        let radii = try LocationRadii(atAddress: 30, near: 200).validated()
        #expect(radii.verdict(distance: nil) == .unknown)
        #expect(radii.verdict(distance: 0) == .atAddress)
        #expect(radii.verdict(distance: 30) == .atAddress)
        #expect(radii.verdict(distance: 30.5) == .near)
        #expect(radii.verdict(distance: 200) == .near)
        #expect(radii.verdict(distance: 201) == .far)
        #expect(throws: DoorstepError.self) { try LocationRadii(atAddress: 300, near: 200).validated() }
        #expect(throws: DoorstepError.self) { try LocationRadii(atAddress: 1, near: 200).validated() }
        var settings = TenantSettings()
        settings.locationRadii = LocationRadii(atAddress: 10, near: 9000)
        #expect(throws: DoorstepError.self) { try settings.validated() }
    }

    @Test func perceptualHashDistanceCountsDifferingBits() {
        #expect(PerceptualHash.distance(0, 0) == 0)
        #expect(PerceptualHash.distance(0, .max) == 64)
        #expect(PerceptualHash.isNearDuplicate(0b1011, 0b0100) == (4 <= PerceptualHash.nearDuplicateBits))
        #expect(!PerceptualHash.isNearDuplicate(0, 0xFFFF_FFFF))
    }
}
