import HummingbirdBcrypt

/// Courier passwords, hashed with bcrypt. Both calls are deliberately slow: run them off the
/// event loop.
public struct PasswordHasher: Sendable {
    public var cost: UInt8

    /// Cost 10 is ~60 ms here: slow enough against offline guessing, fast enough for a login.
    public init(cost: UInt8 = 10) {
        self.cost = cost
    }

    public func hash(_ password: String) -> String {
        Bcrypt.hash(password, cost: cost)
    }

    public func verify(_ password: String, against hash: String) -> Bool {
        Bcrypt.verify(password, hash: hash)
    }

    /// What a courier must choose at least.
    public static func isAcceptable(_ password: String) -> Bool {
        password.count >= 10 && password.utf8.count <= 72  // bcrypt reads only 72 bytes
    }
}
