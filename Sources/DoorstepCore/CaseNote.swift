import Foundation

/// What the tenant's staff write on a case as they work it ("called the customer, parcel was with
/// the neighbour"). Internal to the tenant: never shown to the customer. It may name the customer,
/// so it goes with the customer's data when that is erased.
public struct CaseNote: Codable, Sendable, Equatable {
    public var id: String
    public var tenantID: String
    public var caseID: String
    /// Who wrote it: an operator (`staff`, with the account's id) or an API key (its shown prefix).
    public var author: AccessEvent.Actor
    public var authorID: String?
    public var text: String
    public var createdAt: Date

    public init(id: String, tenantID: String, caseID: String, author: AccessEvent.Actor, authorID: String?, text: String, createdAt: Date) {
        self.id = id
        self.tenantID = tenantID
        self.caseID = caseID
        self.author = author
        self.authorID = authorID
        self.text = text
        self.createdAt = createdAt
    }
}

/// Whose cases a list shows.
public enum CaseAssignee: Sendable, Equatable {
    case anyone
    case nobody
    case someone(operatorID: String)
}
