import Crypto
import DoorstepCore
import DoorstepNotify
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

/// A tenant's branding: set through the API, checked, and seen by its customers on their pages
/// and in their emails; the logo re-encoded, served by its digest, and replaced or removed.
@Suite struct BrandingTests {
    static let branding = ##"{"display_name": "  Acme Parcels ", "accent_color": "#0B5394", "support_email": "Help@Acme.example", "support_url": "https://acme.example/help"}"##

    @Test func theCustomerSeesTheSendersNameColourAndContactOnTheirPages() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                // Before any branding: "Doorstep" only, as before.
                let before = try await client.execute(uri: app.customerPath(delivery), method: .get)
                #expect(before.text.contains("<title>Your parcel is on its way · Doorstep</title>") && !before.text.contains("class=\"brand\""))

                let patched = try await client.execute(uri: "/api/v1/branding", method: .patch, headers: app.apiHeaders, body: ByteBuffer(string: Self.branding))
                #expect(patched.status == .ok, "\(patched.text)")
                let shown = try patched.json()
                // Stored as checked: trimmed, lower-cased colour and email.
                #expect(shown["display_name"] as? String == "Acme Parcels" && shown["accent_color"] as? String == "#0b5394")
                #expect(shown["support_email"] as? String == "help@acme.example" && shown["logo"] == nil)

                let page = try await client.execute(uri: app.customerPath(delivery), method: .get).text
                #expect(page.contains("<title>Your parcel is on its way · Acme Parcels</title>"))
                #expect(page.contains("<header class=\"brand\"><bdi>Acme Parcels</bdi></header>"))
                #expect(page.contains("<link rel=\"stylesheet\" href=\"/brand/accent/0b5394.css\">"))
                #expect(page.contains("Questions about your order? Contact Acme Parcels: <a href=\"mailto:help@acme.example\">help@acme.example</a> · <a href=\"https://acme.example/help\" rel=\"noopener\">acme.example</a>"))
                #expect(page.contains("Delivery photos by Doorstep"))
                let css = try await client.execute(uri: "/brand/accent/0b5394.css", method: .get)
                #expect(css.status == .ok && css.text == ":root { --brand: #0b5394; }\n" && css.headers[.contentType] == "text/css; charset=utf-8")
                #expect(try await client.execute(uri: "/brand/accent/0b539.css", method: .get).status == .notFound)
                #expect(try await client.execute(uri: "/brand/accent/0B5394.css", method: .get).status == .notFound)

                // The preferences page is the sender's too, in the recipient's language.
                let french = try await app.delivery(language: .fr)
                let preferences = try await client.execute(uri: app.preferencesPath(french), method: .get).text
                #expect(preferences.contains("<bdi>Acme Parcels</bdi>") && preferences.contains("Une question sur votre commande ? Contactez Acme Parcels :"))

                // A patch changes what it names; null (or blank) takes a member away.
                let cleared = try await client.execute(uri: "/api/v1/branding", method: .patch, headers: app.apiHeaders,
                                                       body: ByteBuffer(string: #"{"support_url": null, "support_email": " "}"#))
                let after = try cleared.json()
                #expect(after["display_name"] as? String == "Acme Parcels" && after["support_url"] == nil && after["support_email"] == nil)
                let plain = try await client.execute(uri: app.customerPath(delivery), method: .get).text
                #expect(!plain.contains("Questions about your order") && plain.contains("<bdi>Acme Parcels</bdi>"))
            }
        }
    }

    @Test func unreadableOrUnsafeBrandingIsRefusedWithTheFieldNamed() async throws {
        try await TestApp.run { app in
            try await app.application.test(.router) { client in
                let refusals: [(String, String)] = [
                    // White text on yellow cannot be read (1.1:1).
                    (##"{"accent_color": "#ffff00"}"##, "accent_color"),
                    (#"{"accent_color": "red"}"#, "accent_color"),
                    (#"{"support_url": "javascript:alert(1)"}"#, "support_url"),
                    (#"{"support_url": "https://user:pw@acme.example/"}"#, "support_url"),
                    (#"{"support_email": "not an address"}"#, "support_email"),
                    (#"{"display_name": "Acme\nParcels"}"#, "display_name"),
                    (#"{"display_name": "\#(String(repeating: "A", count: 81))"}"#, "display_name"),
                    // The logo is uploaded, never named in a patch; an unknown member is no silent no-op.
                    (#"{"logo": null}"#, "logo"),
                    (##"{"colour": "#000000"}"##, "colour"),
                ]
                for (body, field) in refusals {
                    let response = try await client.execute(uri: "/api/v1/branding", method: .patch, headers: app.apiHeaders, body: ByteBuffer(string: body))
                    #expect(response.status == .unprocessableContent, "\(body): \(response.status)")
                    #expect(try response.json()["field"] as? String == field, "\(body): \(response.text)")
                }
                #expect(try await app.services.accounts.tenant(id: app.tenant.id)?.branding == TenantBranding())
            }
        }
    }

    @Test func aLogoIsReencodedServedByItsDigestAndReplacedOrRemoved() async throws {
        try await TestApp.run { app in
            let delivery = try await app.delivery()
            let headers: HTTPFields = [.authorization: "Bearer \(app.apiKey)", .contentType: "image/png"]
            try await app.application.test(.router) { client in
                _ = try await client.execute(uri: "/api/v1/branding", method: .patch, headers: app.apiHeaders, body: ByteBuffer(string: #"{"display_name": "Acme"}"#))
                let uploaded = try await client.execute(uri: "/api/v1/branding/logo", method: .put, headers: headers,
                                                        body: ByteBuffer(bytes: Photos.bytes("r18_coffee_600x400.png")))
                #expect(uploaded.status == .ok, "\(uploaded.text)")
                let logo = try #require(try uploaded.json()["logo"] as? [String: Any])
                let url = try #require(logo["url"] as? String)
                // 600×400 scaled into 480 px, as a JPEG named by its own digest.
                #expect(logo["width"] as? Int == 480 && logo["height"] as? Int == 320)
                let served = try await client.execute(uri: url, method: .get)
                let bytes = Array(served.body.readableBytesView)
                #expect(served.status == .ok && served.headers[.contentType] == "image/jpeg" && Array(bytes.prefix(3)) == [0xFF, 0xD8, 0xFF])
                #expect(served.headers[.cacheControl] == "public, max-age=31536000, immutable")
                #expect(url == "/brand/logo/\(Hex.encode(SHA256.hash(data: bytes))).jpg")
                let page = try await client.execute(uri: app.customerPath(delivery), method: .get).text
                #expect(page.contains("<img src=\"\(url)\" width=\"60\" height=\"40\" alt=\"\">"))

                // What is not an image, or too much of one, is refused and the logo stays.
                var svg = headers
                svg[.contentType] = "image/svg+xml"
                #expect(try await client.execute(uri: "/api/v1/branding/logo", method: .put, headers: svg, body: ByteBuffer(bytes: Photos.bytes("b19_svg_with_script.svg"))).status == .unsupportedMediaType)
                let disguised = try await client.execute(uri: "/api/v1/branding/logo", method: .put, headers: headers, body: ByteBuffer(bytes: Photos.bytes("b19_svg_with_script.svg")))
                // Sniffed, not believed: an SVG sent as PNG is no image type the server decodes.
                #expect(disguised.status == .unsupportedMediaType, "\(disguised.text)")
                let bomb = try await client.execute(uri: "/api/v1/branding/logo", method: .put, headers: headers, body: ByteBuffer(bytes: Photos.bytes("b07_png_bomb_30000x30000_1bit.png")))
                #expect(bomb.status == .contentTooLarge, "\(bomb.text)")
                let huge = try await client.execute(uri: "/api/v1/branding/logo", method: .put, headers: headers, body: ByteBuffer(bytes: [UInt8](repeating: 0, count: 1024 * 1024 + 1)))
                #expect(huge.status == .contentTooLarge)
                let still = try await client.execute(uri: "/api/v1/branding", method: .get, headers: app.apiHeaders)
                #expect((try still.json()["logo"] as? [String: Any])?["url"] as? String == url)

                // Removed: gone from the pages and from its address.
                let removed = try await client.execute(uri: "/api/v1/branding/logo", method: .delete, headers: app.apiHeaders)
                let remaining = try removed.json()
                #expect(removed.status == .ok && remaining["logo"] == nil)
                #expect(try await client.execute(uri: url, method: .get).status == .notFound)
                #expect(!(try await client.execute(uri: app.customerPath(delivery), method: .get).text.contains("/brand/logo/")))
                #expect(try await client.execute(uri: "/brand/logo/../../etc/passwd", method: .get).status == .notFound)
            }
        }
    }

    @Test func theEmailIsFromTheSenderViaDoorstepAndSaysWhomToAsk() async throws {
        try await TestApp.run(configure: { $0.outboxWorker = false }) { app in
            // Commas, quotes and a look-alike encoded word: plain in a From they would split or forge it.
            var branding = TenantBranding(displayName: #"Acme, Inc. "Parcels" =?x?= — Colis Express"#, supportEmail: "help@acme.example")
            branding = try branding.validated()
            try await app.services.store.updateBranding(branding, tenantID: app.tenant.id)
            let delivery = try await app.delivery()
            try await app.application.test(.router) { client in
                try await app.upload(delivery, client: client)
            }
            let messages = try await app.services.store.outboxMessages(state: nil, endpointID: nil, limit: 100)
            let message = try #require(messages.first { $0.channel == .email && $0.event.type == .delivered })
            let mail = try #require(try await app.services.email.compose(message))
            #expect(mail.fromName == #"Acme, Inc. "Parcels" =?x?= — Colis Express via Doorstep"#)
            // Encoded, in words of at most 75 characters on lines of at most 76, the address on its own line.
            let rendered = mail.rendered()
            let headerEnd = try #require(rendered.range(of: "\r\n\r\n")).lowerBound
            let header = rendered[..<headerEnd].replacingOccurrences(of: "\r\n ", with: "\u{1}")
            let from = try #require(header.split(separator: "\r\n").first { $0.hasPrefix("From: ") }).split(separator: "\u{1}")
            #expect(from.first?.hasPrefix("From: =?UTF-8?B?") == true && from.last == "<\(app.services.configuration.mailFrom)>")
            #expect(from.allSatisfy { $0.count <= 76 } && !from.joined().contains("Parcels") && !from.joined().contains(","))
            let decoded = from.dropLast().map { word in
                let text = word.replacingOccurrences(of: "From: ", with: "")
                return String(decoding: Data(base64Encoded: String(text.dropFirst(10).dropLast(2))) ?? Data(), as: UTF8.self)
            }.joined()
            #expect(decoded == mail.fromName)
            #expect(mail.html.contains("<p><strong><bdi>Acme, Inc. &quot;Parcels&quot; =?x?= — Colis Express</bdi></strong></p>"))
            #expect(mail.text.contains(#"Questions about your order? Contact Acme, Inc. "Parcels" =?x?= — Colis Express: help@acme.example"#))
        }
    }
}
