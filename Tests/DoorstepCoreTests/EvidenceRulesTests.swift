import DoorstepCore
import Foundation
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

@Suite struct FreshnessRuleTests {
    let issued = Date(timeIntervalSince1970: 1_800_000_000)
    var ticket: CaptureTicket { CaptureTicket(digest: "d", deliveryID: "a", courierID: "c", issuedAt: issued) }

    func judge(_ ticket: CaptureTicket?, named: Bool = true, delivery: String = "a", courier: String = "c",
               claimed: TimeInterval? = 30, exif: TimeInterval? = nil, arrival: TimeInterval = 40) -> Freshness {
        FreshnessRule.judge(
            named: named, ticket: ticket, deliveryID: delivery, courierID: courier,
            claimedCapture: claimed.map { issued.addingTimeInterval($0) }, exifCapture: exif.map { issued.addingTimeInterval($0) },
            arrival: issued.addingTimeInterval(arrival))
    }

    @Test func eachWayOfNotBeingFresh() {
        #expect(judge(ticket) == .fresh)
        #expect(judge(nil, named: false) == .noTicket)
        #expect(judge(nil) == .invalidTicket)
        #expect(judge(ticket, delivery: "b") == .invalidTicket)
        #expect(judge(ticket, courier: "other") == .invalidTicket)
        var used = ticket
        used.photoID = "p"
        #expect(judge(used) == .reusedTicket)
        #expect(judge(ticket, claimed: 10 * 60, arrival: 10 * 60) == .expiredTicket)   // captured too long after
        #expect(judge(ticket, claimed: -10 * 60) == .expiredTicket)                   // captured before the ticket
        #expect(judge(ticket, claimed: 30, arrival: 25 * 3600) == .expiredTicket)     // queued over a day
        #expect(judge(ticket, claimed: 30, arrival: 3 * 3600) == .fresh)              // queued offline 3 h: fine
        #expect(judge(ticket, claimed: nil, arrival: 10 * 60) == .expiredTicket)     // no claim: arrival counts
        #expect(judge(ticket, exif: 2 * 3600) == .fresh)                              // another time zone
        #expect(judge(ticket, exif: -3 * 86400) == .exifMismatch)                     // three days old
    }
}
