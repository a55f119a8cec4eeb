/// Everything Doorstep remembers apart from image bytes, as the narrow stores each use case
/// declares it needs. One implementation (`SQLMetadataStore`, over SQLKit for SQLite embedded and
/// PostgreSQL for scale-out) and one contract test suite run against both engines.
///
/// Reads that a tenant makes are scoped by tenant id in the query itself, so a missing scope
/// cannot leak another tenant's row.
public typealias MetadataStore = DatabaseStore & BroadcastStore & AccountStore & DeliveryStore & PhotoStore
    & PhotoKeyStore & PrivacyStore & OutboxStore & WebhookStore & CaseStore & EvidenceStore & HousekeepingStore & OperatorStore
    & DashboardStore & ActivityStore

/// The database itself: its schema and whether it answers.
public protocol DatabaseStore: Sendable {
    func migrate() async throws
    func ping() async throws
}
