import Foundation
import Testing

@testable import DoorstepCore

@Suite struct LanguageTests {
    @Test(arguments: [(String?("fr"), Language.fr), ("fr-CA", .fr), ("ja-JP, fr;q=0.8, en;q=0.5", .fr), ("en-GB", .en), ("ja", .en), ("de-AT", .de), ("nl-BE, fr", .nl), (nil, .en)])
    func bestMatchPicksTheFirstLanguageWeSpeak(_ header: String?, _ expected: Language) {
        #expect(Language(bestMatch: header) == expected)
    }
}

@Suite struct CoordinateTests {
    @Test func outOfRangeOrNonFinitePositionsAreRefused() {
        for (lat, lon) in [(91.0, 0.0), (-91.0, 0.0), (0.0, 181.0), (Double.nan, 0.0), (0.0, Double.infinity)] {
            #expect(throws: DoorstepError.self) { try Coordinate(latitude: lat, longitude: lon) }
        }
    }

    @Test func distanceMatchesKnownValues() throws {
        let paris = try Coordinate(latitude: 48.8566, longitude: 2.3522)
        let london = try Coordinate(latitude: 51.5074, longitude: -0.1278)
        #expect(abs(paris.distance(to: london) - 343_500) < 1_500)
        // 0.0001° of latitude is ~11 m: doorstep scale must be right too.
        let nextDoor = try Coordinate(latitude: 48.8567, longitude: 2.3522)
        #expect(abs(paris.distance(to: nextDoor) - 11.1) < 0.2)
        #expect(paris.distance(to: paris) == 0)
    }
}

@Suite struct ValidationTests {
    @Test(arguments: ["a@b.co", "  Jane.Doe+parcel@Example.COM "])
    func emailsAreAcceptedAndNormalised(_ email: String) throws {
        let normalised = try Validate.email(email)
        #expect(normalised == normalised.lowercased() && !normalised.hasPrefix(" "))
    }

    @Test(arguments: ["", "plain", "a@b", "a@@b.co", "a b@c.co", "@b.co", "a@.co", "a@b.co.", "<a@b.co>", "a\u{0}@b.co", "a@b.co\u{7F}", "a\u{1B}b@c.co"])
    func malformedEmailsAreRefused(_ email: String) {
        #expect(throws: DoorstepError.self) { try Validate.email(email) }
    }

    @Test func textIsTrimmedAndBounded() throws {
        #expect(try Validate.text("  hello ", field: "f", max: 10) == "hello")
        #expect(throws: DoorstepError.invalidInput(field: "f", reason: "must not be empty")) { try Validate.text("   ", field: "f", max: 10) }
        #expect(throws: DoorstepError.self) { try Validate.text(String(repeating: "x", count: 11), field: "f", max: 10) }
        #expect(throws: DoorstepError.self) { try Validate.text("bell\u{7}", field: "f", max: 10) }
    }

    @Test func aNewDeliveryIsValidatedField_by_field() throws {
        let good = NewDelivery(
            orderReference: " A-1 ", recipient: Recipient(name: "Ann", email: "ANN@example.com", language: .fr),
            address: "1 Main St", latitude: 1, longitude: 2, instructions: nil, courierID: nil)
        let validated = try good.validated()
        #expect(validated.orderReference == "A-1" && validated.recipient.email == "ann@example.com")

        var badCourier = good
        badCourier.courierID = "not-an-id"
        #expect(throws: DoorstepError.invalidInput(field: "courier_id", reason: "must be a courier id")) { try badCourier.validated() }
        var badPosition = good
        badPosition.latitude = 100
        #expect(throws: DoorstepError.self) { try badPosition.validated() }
        // An email, a number, or both; never neither, and a given one must be valid.
        var byText = good
        byText.recipient = Recipient(name: "Ann", email: "", language: .fr, phone: "+33 6 12 34 56 78")
        #expect(try byText.validated().recipient.email == "" && byText.validated().recipient.phone == "+33612345678")
        byText.recipient.phone = nil
        #expect(throws: DoorstepError.invalidInput(field: "recipient", reason: "needs an email or a mobile number")) { try byText.validated() }
        byText.recipient.email = "not an email"
        #expect(throws: DoorstepError.self) { try byText.validated() }
    }
}

@Suite struct UploadDetailsTests {
    @Test func placementIsRequiredAndMustBeKnown() {
        #expect(throws: DoorstepError.self) { try PhotoUploadDetails(parameters: [:]) }
        #expect(throws: DoorstepError.self) { try PhotoUploadDetails(parameters: ["placement": "roof"]) }
    }

    @Test func everyPlacementParses() throws {
        for placement in Placement.allCases {
            #expect(try PhotoUploadDetails(parameters: ["placement": placement.rawValue]).placement == placement)
        }
    }

    @Test func positionComesAsAPairOfNumbers() throws {
        let details = try PhotoUploadDetails(parameters: ["placement": "porch", "lat": "48.85", "lon": "-2.35", "note": " by the door "])
        #expect(details.devicePosition == (try Coordinate(latitude: 48.85, longitude: -2.35)))
        #expect(details.note == "by the door")
        #expect(throws: DoorstepError.self) { try PhotoUploadDetails(parameters: ["placement": "porch", "lat": "48.85"]) }
        #expect(throws: DoorstepError.self) { try PhotoUploadDetails(parameters: ["placement": "porch", "lat": "x", "lon": "1"]) }
        #expect(try PhotoUploadDetails(parameters: ["placement": "porch", "note": "  "]).note == nil)
    }

    @Test func idempotencyKeysArePrintableAndShort() throws {
        #expect(try IdempotencyKey.validate(nil) == nil)
        #expect(try IdempotencyKey.validate("3f2c-abc") == "3f2c-abc")
        #expect(throws: DoorstepError.self) { try IdempotencyKey.validate("") }
        #expect(throws: DoorstepError.self) { try IdempotencyKey.validate("has space") }
        #expect(throws: DoorstepError.self) { try IdempotencyKey.validate(String(repeating: "k", count: 129)) }
    }

    @Test func identifiersAreLowercaseUUIDs() {
        #expect(Identifier.isValid("956ed28a-8a65-4e20-876f-9bddeab8077c"))
        #expect(!Identifier.isValid("956ED28A-8A65-4E20-876F-9BDDEAB8077C"))
        #expect(!Identifier.isValid("1"))
        #expect(!Identifier.isValid("../../etc/passwd"))
    }

    @Test func freshIdentifiersAreRandomVersion4UUIDs() {
        let ids = (0..<200).map { _ in Identifier.random() }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            #expect(Identifier.isValid(id))
            let parsed = UUID(uuidString: id)!.uuid
            #expect(parsed.6 >> 4 == 4 && parsed.8 >> 6 == 0b10, "version 4, RFC 4122 variant: \(id)")
        }
        // Every bit outside version and variant varies across ids.
        let fixedAcross = ids.map { UUID(uuidString: $0)!.uuid }.reduce(into: (and: [UInt8](repeating: 0xFF, count: 16), or: [UInt8](repeating: 0, count: 16))) { sums, id in
            let bytes = withUnsafeBytes(of: id) { Array($0) }
            for i in 0..<16 { sums.and[i] &= bytes[i]; sums.or[i] |= bytes[i] }
        }
        #expect(fixedAcross.and == [0, 0, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 0])
        #expect(fixedAcross.or == [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x4F, 0xFF, 0xBF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
    }

    @Test func hexIsLowercaseTwoDigitsPerByte() {
        #expect(Hex.encode([0x00, 0x0F, 0xA5, 0xFF]) == "000fa5ff")
        #expect(Hex.encode([UInt8]()) == "")
        #expect(Hex.encode(0...255).count == 512)
    }
}

@Suite struct RetryPolicyTests {
    @Test func backoffGrowsExponentiallyWithJitterThenGivesUp() {
        let policy = RetryPolicy(maxAttempts: 5, base: 2, cap: 10)
        #expect(policy.delay(afterAttempts: 1, unit: 0.999)! < 2.01)
        #expect(policy.delay(afterAttempts: 3, unit: 0.999)! > 7.9)
        #expect(policy.delay(afterAttempts: 4, unit: 0.999)! <= 10)  // capped
        #expect(policy.delay(afterAttempts: 2, unit: 0)! == 0.5)  // never a busy loop
        #expect(policy.delay(afterAttempts: 5, unit: 0.5) == nil)  // dead letter
    }

    @Test func policiesSayNoFirst() {
        #expect(PhotoPolicy.evaluate(mode: .optOut, choices: [:]) == .requested)
        #expect(PhotoPolicy.evaluate(mode: .optOut, choices: [.address: .optedOut, .email: .optedIn]) == .notAllowed(.optedOut))
        #expect(PhotoPolicy.evaluate(mode: .optIn, choices: [:]) == .notAllowed(.consentRequired))
        #expect(PhotoPolicy.evaluate(mode: .optIn, choices: [.email: .optedIn]) == .requested)
        #expect(PhotoPolicy.evaluate(mode: .off, choices: [.email: .optedIn]) == .notAllowed(.photosOff))
    }
}

@Suite struct BrandingRulesTests {
    /// #767676 is the lightest grey with 4.5:1 on white (4.54); #777777 just misses it (4.48).
    @Test func anAccentColourMustCarryWhiteTextReadably() throws {
        #expect(try TenantBranding(accentColor: "#767676").validated().accentColor == "#767676")
        #expect(try TenantBranding(accentColor: "#0B6E4F").validated().accentColor == "#0b6e4f")
        for unreadable in ["#777777", "#ffff00", "#4fd1a5", "#ffffff"] {
            #expect(throws: DoorstepError.self) { try TenantBranding(accentColor: unreadable).validated() }
        }
        for malformed in ["0b6e4f", "#0b6e4", "#0b6e4fa", "#gggggg", "rgb(0,0,0)", "#+b6e4f"] {
            #expect(throws: DoorstepError.self) { try TenantBranding(accentColor: malformed).validated() }
        }
        #expect(abs(TenantBranding.contrastWithWhite((0, 0, 0)) - 21) < 0.001)
    }

    @Test func blankMembersAreNoneAndTheRestIsChecked() throws {
        let checked = try TenantBranding(displayName: "  Acme  ", accentColor: " ", supportEmail: "Help@Acme.Example", supportURL: "").validated()
        #expect(checked == TenantBranding(displayName: "Acme", supportEmail: "help@acme.example"))
        for url in ["ftp://acme.example/", "https://", "https://a@acme.example/", "https://acme.example/a b", "/help"] {
            #expect(throws: DoorstepError.self) { try TenantBranding(supportURL: url).validated() }
        }
        #expect(throws: DoorstepError.self) { try TenantBranding(displayName: "Acme\u{0007}").validated() }
        #expect(try TenantBranding(displayName: String(repeating: "é", count: 80)).validated().displayName?.count == 80)
        // Invisible or reordering marks: an override, an isolate, a lone mark, a blank letter.
        for name in ["Acme\u{202E}srevo", "\u{2066}Acme", "\u{200E}", "\u{FEFF}Acme", "\u{3164}", "Acme <ceo@bank.example>",
                     "Acme\u{2028}Bank", "Acme\u{F8FF}", "\u{0345}\u{0301}", "Acme\u{0378}"] {
            #expect(throws: DoorstepError.self, "\(name.unicodeScalars.map { String($0.value, radix: 16) })") {
                try TenantBranding(displayName: name).validated()
            }
        }
        // The joiners some scripts need stay; the name is stored NFC.
        #expect(try TenantBranding(displayName: "می\u{200C}خواهم").validated().displayName == "می\u{200C}خواهم")
        #expect(try TenantBranding(displayName: "Cafe\u{0301}").validated().displayName == "Caf\u{00E9}")
        // A support address goes into an href as parsed, never as typed.
        let odd = try? TenantBranding(supportURL: "https://acme.example/x\"\u{0301}/style=a").validated()
        #expect(odd?.supportURL?.contains("\"") != true)
        for email in ["\"x\"@acme.example", "a%b@acme.example", "help@acme", "help@acme..example", "hélp@acme.example"] {
            #expect(throws: DoorstepError.self, "\(email)") { try TenantBranding(supportEmail: email).validated() }
        }
    }
}

@Suite struct HTMLTextTests {
    /// A quote fused into one Character with a combining mark, or after a prepended U+0600, is
    /// still a quote to an HTML parser: escaped scalar by scalar, it cannot close an attribute.
    @Test func everySpecialScalarIsEscapedWhateverItIsFusedWith() {
        #expect(HTMLText.escape("a\u{0600}\"onclick=x") == "a\u{0600}&quot;onclick=x")
        #expect(HTMLText.escape("x\"\u{0301}/style=y") == "x&quot;\u{0301}/style=y")
        #expect(HTMLText.escape("\u{0600}<a href=//evil\u{0600}>") == "\u{0600}&lt;a href=//evil\u{0600}&gt;")
        #expect(HTMLText.escape("Tom & Jerry's") == "Tom &amp; Jerry&#39;s")
    }
}
