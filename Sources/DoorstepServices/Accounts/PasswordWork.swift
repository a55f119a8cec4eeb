import DoorstepSecurity

/// Password hashing and checking on threads of their own: bcrypt is deliberately slow (~60 ms),
/// and a burst of logins must wait for each other, never for (or in front of) photo processing.
public struct PasswordWork: Sendable {
    let hasher: PasswordHasher
    let pool: BlockingWorkPool

    public init(hasher: PasswordHasher, pool: BlockingWorkPool) {
        self.hasher = hasher
        self.pool = pool
    }

    public func hash(_ password: String) async throws -> String {
        let hasher = self.hasher
        return try await pool.run { hasher.hash(password) }
    }

    public func verify(_ password: String, against hash: String) async throws -> Bool {
        let hasher = self.hasher
        return try await pool.run { hasher.verify(password, against: hash) }
    }
}
