import Crypto
import Foundation
import HummingbirdOTP

/// Codes from an authenticator app (TOTP, RFC 6238): six digits, a new one every 30 seconds,
/// HMAC-SHA-1, the parameters every app assumes. hummingbird-auth computes them; this says which
/// secrets we make and which codes we take.
public struct OneTimeCode: Sendable {
    /// 32 characters of the base-32 alphabet: 160 bits, RFC 4226's recommended key size. The
    /// characters themselves are the HMAC key (how hummingbird-auth's `TOTP` takes a secret).
    public static let secretLength = 32
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)
    public static let step: TimeInterval = 30
    /// A code of the step before or after is taken too: phone clocks drift and people type slowly.
    static let drift: ClosedRange<Int64> = -1...1

    public let secret: String

    /// nil unless `secret` is one this type makes (length and alphabet).
    public init?(secret: String) {
        guard secret.utf8.count == Self.secretLength, secret.utf8.allSatisfy(Self.alphabet.contains) else { return nil }
        self.secret = secret
    }

    /// A new secret from the system's random generator.
    public static func generate() -> OneTimeCode {
        var generator = SystemRandomNumberGenerator()
        let characters = (0..<secretLength).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] }
        return OneTimeCode(secret: String(decoding: characters, as: UTF8.self))!
    }

    /// The `otpauth://` address an authenticator app scans (as a QR code) or is given by hand.
    public func authenticatorURL(account: String, issuer: String) -> String {
        TOTP(secret: secret).createAuthenticatorURL(label: "\(issuer):\(account)", issuer: issuer)
    }

    /// What a person types into the app when they cannot scan: the URL's base-32 key, in groups of four.
    public var manualKey: String {
        let url = TOTP(secret: secret).createAuthenticatorURL(label: "x")
        let key = URLComponents(string: url)?.queryItems?.first { $0.name == "secret" }?.value ?? ""
        return stride(from: 0, to: key.count, by: 4).map { offset in
            String(key.dropFirst(offset).prefix(4))
        }.joined(separator: " ")
    }

    /// The time step `code` was made for, within the drift allowed around `now`; nil when it
    /// matches none (or is not six digits).
    public func step(of code: String, at now: Date) -> Int64? {
        let digits = code.filter { $0 != " " }
        guard digits.utf8.count == 6, digits.utf8.allSatisfy({ (48...57).contains($0) }), let value = Int(digits) else { return nil }
        let current = Int64((now.timeIntervalSince1970 / Self.step).rounded(.down))
        let totp = TOTP(secret: secret)
        return Self.drift.map { current + $0 }.first { step in
            totp.compute(date: Date(timeIntervalSince1970: Double(step) * Self.step)) == value
        }
    }
}
