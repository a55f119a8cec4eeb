import DoorstepCore
import Foundation
import Testing

@Suite struct EvidenceRulesTests {
    /// A legible day photo's signals; each test changes the one it is about.
    static let clear = QualitySignals(meanBrightness: 120, brightLevel: 230, darkShare: 0.02, clippedShare: 0.01,
                                      sharpness: 400, weakerSharpness: 200)

    @Test func eachQualityIssueHasItsThreshold() {
        let t = QualityThresholds.standard
        func issues(_ change: (inout QualitySignals) -> Void, width: Int = 4000, height: Int = 3000) -> [QualityIssue] {
            var signals = Self.clear
            change(&signals)
            return PhotoQuality(signals, width: width, height: height).issues
        }
        #expect(issues { _ in } == [])
        #expect(issues { $0.brightLevel = t.minimumBrightLevel - 1 } == [.tooDark])
        #expect(issues { $0.brightLevel = t.minimumBrightLevel } == [])
        #expect(issues { ($0.darkShare, $0.brightLevel) = (t.maximumDarkShare + 0.01, t.litLevel - 1) } == [.tooDark])
        // Mostly black, but what is lit is bright: a parcel under a porch lamp at night.
        #expect(issues { ($0.darkShare, $0.brightLevel) = (t.maximumDarkShare + 0.1, t.litLevel + 60) } == [])
        #expect(issues { $0.clippedShare = t.maximumClippedShare + 0.01 } == [.overexposed])
        #expect(issues { $0.sharpness = t.minimumSharpness - 1 } == [.blurry])
        #expect(issues { $0.weakerSharpness = t.minimumWeakerSharpness - 1 } == [.blurry])
        #expect(issues({ _ in }, width: 640, height: t.minimumShortSide - 1) == [.tooSmall])
        #expect(PhotoQuality(Self.clear, width: 640, height: 480).isUsable)
    }

    @Test func aDimButLegiblePhotoIsNotTooDark() {
        // Mean brightness 35 (the old rule's "too dark" below 40), but its brighter parts are
        // plainly visible: a forest path at dusk.
        var dusk = Self.clear
        (dusk.meanBrightness, dusk.brightLevel, dusk.darkShare) = (35, 90, 0.3)
        #expect(PhotoQuality(dusk, width: 4000, height: 3000).issues == [])
    }

    @Test func aDarkPhotoIsCalledDarkNotAlsoBlurred() {
        // Little light means weak edges whatever the focus: one honest reason, not two. So does a
        // blown-out frame.
        var dark = Self.clear
        (dark.meanBrightness, dark.brightLevel, dark.sharpness) = (10, 20, 5)
        let quality = PhotoQuality(dark, width: 300, height: 200)
        #expect(quality.issues == [.tooDark, .tooSmall])
        #expect(!quality.isUsable)
        var blown = Self.clear
        (blown.clippedShare, blown.sharpness, blown.weakerSharpness) = (0.7, 20, 5)
        #expect(PhotoQuality(blown, width: 4000, height: 3000).issues == [.overexposed])
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

@Suite struct ReusePlaceTests {
    let door = try! Coordinate(latitude: 48.8686, longitude: 2.3310)

    func place(_ address: String, north metres: Double = 0) -> (String, Coordinate) {
        (address, try! Coordinate(latitude: door.latitude + metres / 111_195, longitude: door.longitude))
    }

    func same(_ a: (String, Coordinate), _ b: (String, Coordinate)) -> Bool {
        ReusePlace.isSame(address: a.0, location: a.1, asAddress: b.0, location: b.1)
    }

    @Test func theSameAddressWrittenDifferentlyOrTheSameGeocodedPointIsTheSamePlace() {
        // A regular customer: the text agrees once case, commas and spaces are set aside, wherever the geocoder put it.
        #expect(same(place("12 Rue de la Paix, Paris"), place("12, rue de la paix  PARIS", north: 40)))
        // Two flats of one building: different text, one point.
        #expect(same(place("5 Baker St, flat 3"), place("5 Baker St, flat 5", north: 1)))
    }

    @Test func aNeighboursDoorAnotherStreetOrAnErasedDeliveryIsAnotherAddress() {
        // Terraced houses 6 m apart: a neighbour's door photo passed off for this one stays suspicious.
        #expect(!same(place("14 Rue de la Paix"), place("16 Rue de la Paix", north: 6)))
        #expect(!same(place("12 Rue de la Paix"), place("3 Avenue Foch", north: 1_500)))
        // "12 rue" is not "1 2 rue": digits are not joined across separators.
        #expect(!same(place("12 Rue X"), place("1-2 Rue X", north: 30)))
        // An erased delivery keeps no address and sits at 0,0: nothing shows it was the same place.
        let erased = ("", try! Coordinate(latitude: 0, longitude: 0))
        #expect(!same(erased, erased))
        #expect(!same(place("12 Rue X"), erased))
    }
}
