import DoorstepCore
import DoorstepSecurity
import DoorstepStorage

/// What a new sign-in account (a courier's or an operator's) must be before it is made: a
/// well-formed login name, a name to show, a password bcrypt can take whole, an existing tenant.
struct NewAccount {
    let username: String
    let displayName: String

    init(tenantID: String, username: String, displayName: String, password: String, accounts: any AccountStore) async throws {
        self.username = try Validate.username(username)
        guard PasswordHasher.isAcceptable(password) else {
            throw DoorstepError.invalidInput(field: "password", reason: "must be 10 to 72 bytes long")
        }
        guard Identifier.isValid(tenantID), try await accounts.tenant(id: tenantID) != nil else {
            throw DoorstepError.invalidInput(field: "tenant", reason: "no such tenant")
        }
        self.displayName = try Validate.text(displayName, field: "display_name", max: 200)
    }
}
