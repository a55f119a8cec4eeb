import Testing

@testable import DoorstepCore

/// Text messages: the encoding a body needs and the segments it costs; phone numbers in E.164.
@Suite struct TextMessageTests {
    @Test func gsm7WhenEveryCharacterIsInTheAlphabet() {
        let plain = TextMessage("Votre colis a été livré. Ihr Paket wurde zugestellt: Tür, Straße.")
        #expect(plain.encoding == .gsm7 && plain.units == plain.body.count)
        #expect(TextMessage("Price: 5€ [x]").units == 16, "€, [ and ] are extension characters: two septets each")
        let ucs2 = TextMessage("¿Prefieres que no fotografiemos tu puerta? Dínoslo aquí")
        #expect(ucs2.encoding == .ucs2, "í is not in GSM 03.38")
        #expect(TextMessage("Il y a d’abord").encoding == .ucs2, "a typographic apostrophe is not GSM-7")
    }

    @Test func segmentsFollowTheConcatenationLimits() {
        #expect(TextMessage(String(repeating: "a", count: 160)).segments == 1)
        #expect(TextMessage(String(repeating: "a", count: 161)).segments == 2)
        #expect(TextMessage(String(repeating: "a", count: 306)).segments == 2)
        #expect(TextMessage(String(repeating: "a", count: 307)).segments == 3)
        #expect(TextMessage(String(repeating: "í", count: 70)).segments == 1)
        #expect(TextMessage(String(repeating: "í", count: 71)).segments == 2)
        #expect(TextMessage(String(repeating: "í", count: 135)).segments == 3)
    }

    @Test func phoneNumbersAreNormalisedToE164OrRefused() throws {
        #expect(try Validate.phone("+33 6 12 34 56 78") == "+33612345678")
        #expect(try Validate.phone("0049 (151) 234-5678") == "+491512345678")
        #expect(try Validate.phone("+1 415.555.0100") == "+14155550100")
        #expect(try Validate.phone("+44 (0)20 7946 0958") == "+442079460958", "the trunk 0 is dropped")
        for bad in ["06 12 34 56 78", "+33", "+0123456789", "+33 6 12 34 56 78 90 12 34", "+33 6x2345678", "+336١٢٣٤٥٦٧٨", ""] {
            #expect(throws: DoorstepError.self, "\(bad)") { try Validate.phone(bad) }
        }
    }
}
