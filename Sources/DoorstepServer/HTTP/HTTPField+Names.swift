import HTTPTypes

extension HTTPField.Name {
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
    static let permissionsPolicy = HTTPField.Name("Permissions-Policy")!
    static let serviceWorkerAllowed = HTTPField.Name("Service-Worker-Allowed")!
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!
    /// The operator console's anti-forgery token (`ConsoleCookie`).
    static let csrfToken = HTTPField.Name("X-CSRF-Token")!
}
