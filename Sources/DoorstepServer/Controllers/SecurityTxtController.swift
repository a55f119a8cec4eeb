import DoorstepCore
import Foundation
import Hummingbird

/// `/.well-known/security.txt` (RFC 9116): where a researcher reports a vulnerability in this
/// deployment. Served only when the operator named a contact: a file pointing nowhere is worse
/// than none.
struct SecurityTxtController {
    let contact: String?
    let baseURL: String
    let effects: Effects

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get(".well-known/security.txt") { _, _ in
            guard let contact else { throw DoorstepError.notFound }
            // Expires is required and must be under a year ahead: six months from now, always.
            let expires = effects.now().addingTimeInterval(183 * 24 * 3600).formatted(.iso8601)
            let text = """
                Contact: \(contact)
                Expires: \(expires)
                Preferred-Languages: en
                Canonical: \(baseURL)/.well-known/security.txt

                """
            var headers: HTTPFields = [.contentType: "text/plain; charset=utf-8"]
            headers[.cacheControl] = "public, max-age=86400"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
}
