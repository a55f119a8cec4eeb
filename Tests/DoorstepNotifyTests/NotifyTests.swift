import Foundation
import Testing

@testable import DoorstepNotify

@Suite struct WebhookSignerTests {
    @Test func matchesTheStandardWebhooksReferenceVector() {
        // The example from the Standard Webhooks specification.
        let signature = WebhookSigner.signature(
            secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330,
            body: Array(#"{"test": 2432232314}"#.utf8))
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func duringARotationBothSecretsSign() {
        let old = WebhookSigner.newSecret(), new = WebhookSigner.newSecret()
        #expect(old.hasPrefix("whsec_") && old != new)
        let headers = Dictionary(uniqueKeysWithValues: WebhookSigner.headers(secrets: [new, old], id: "m1", timestamp: 5, body: [1]))
        let signatures = headers["webhook-signature"]!.split(separator: " ").map(String.init)
        #expect(signatures == [WebhookSigner.signature(secret: new, id: "m1", timestamp: 5, body: [1])!,
                               WebhookSigner.signature(secret: old, id: "m1", timestamp: 5, body: [1])!])
        #expect(headers["webhook-id"] == "m1" && headers["webhook-timestamp"] == "5")
        #expect(WebhookSigner.signature(secret: "not-a-secret", id: "m1", timestamp: 5, body: [1]) == nil)
    }
}

@Suite struct MailMessageTests {
    @Test func aFrenchMessageIsWellFormedMIME() throws {
        let message = MailMessage(
            from: "no-reply@shop.test", fromName: "Boutique", to: "camille@example.com", subject: "Votre colis a été livré",
            messageID: "abc@doorstep", date: Date(timeIntervalSince1970: 0), text: "Bonjour.\n.ligne qui commence par un point",
            html: "<p>Bonjour</p>", headers: [("List-Unsubscribe", "<https://x.test/o/1>"), ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")])
        let rendered = message.rendered()
        #expect(rendered.contains("Subject: =?UTF-8?B?\(Data("Votre colis a été livré".utf8).base64EncodedString())?=\r\n"))
        #expect(rendered.contains("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"))
        #expect(rendered.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"))
        #expect(rendered.contains("Content-Type: multipart/alternative; boundary="))
        #expect(rendered.contains("Content-Type: text/plain; charset=utf-8") && rendered.contains("Content-Type: text/html; charset=utf-8"))
        #expect(!rendered.split(separator: "\r\n").contains { $0.count > 998 })
        let textPart = try #require(rendered.components(separatedBy: "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n").last?
            .components(separatedBy: "\r\n--").first)
        #expect(Data(base64Encoded: textPart.replacingOccurrences(of: "\r\n", with: "")).map { String(decoding: $0, as: UTF8.self) }
                == "Bonjour.\n.ligne qui commence par un point")
    }

    @Test func inlineImagesTravelAsRelatedParts() {
        let message = MailMessage(
            from: "a@b.test", fromName: "A", to: "c@d.test", subject: "Hi", messageID: "m@d", date: Date(), text: "t",
            html: "<img src=\"cid:l@d\"><img src=\"cid:p@d\">",
            inlineImages: [.init(contentID: "l@d", jpeg: [0xFF, 0xD8, 0xFF, 1]), .init(contentID: "p@d", jpeg: [0xFF, 0xD8, 0xFF])])
        let rendered = message.rendered()
        #expect(rendered.contains("Content-Type: multipart/related;") && rendered.contains("Content-ID: <p@d>") && rendered.contains("Content-ID: <l@d>"))
        #expect(rendered.components(separatedBy: "Content-Type: image/jpeg").count == 3)
        // The HTML comes first in the related part, the images after it, and the part is closed once.
        let related = rendered.components(separatedBy: "boundary=\"b2_md\"")[1]
        #expect(related.range(of: "text/html")!.lowerBound < related.range(of: "image/jpeg")!.lowerBound)
        #expect(rendered.components(separatedBy: "--b2_md--").count == 2)
    }
}
