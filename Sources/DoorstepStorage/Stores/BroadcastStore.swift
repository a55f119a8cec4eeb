/// Messages between the processes sharing one database (live events across servers).
public protocol BroadcastStore: Sendable {
    /// Whether other processes may use this database (PostgreSQL), so `broadcast` reaches anyone.
    var isShared: Bool { get }
    /// Best-effort message to every process sharing the database.
    func broadcast(_ message: String) async throws
    /// Calls `handler` with each message broadcast by any process, until cancelled; returns at
    /// once where there is only ever one process (SQLite).
    func listen(_ handler: @escaping @Sendable (String) async -> Void) async throws
}
