import DoorstepCore
import DoorstepSecurity
import DoorstepStorage
import Foundation
import Logging
import ServiceLifecycle

/// The composition root: every use case built once, each from exactly what its initialiser
/// lists. The server hands each controller the services it calls; the command line uses the same
/// graph (or opens less, see `Infrastructure.openStore`), so there is one wiring path.
public struct AppServices: Sendable {
    public let infrastructure: Infrastructure
    public let links: CustomerLinks
    public let live = LiveEvents()
    public let outboxSignal = OutboxSignal()
    public let announcer: Announcer
    public let audit: AccessAudit
    public let activity: ActivityLog
    public let vault: PhotoVault
    public let accounts: AccountService
    public let operators: OperatorAccounts
    public let branding: BrandingService
    public let dashboard: DashboardService
    public let deliveries: DeliveryService
    public let privacy: PrivacyService
    public let evidence: EvidenceService
    public let caseDesk: CaseDesk
    public let evidencePacks: EvidencePackService
    public let ingest: PhotoIngestService
    public let uploadBudget: UploadBudget
    public let diskSpace: DiskSpaceGuard
    public let rateLimits: RateLimits
    public let connections: ConnectionCounter
    public let customerAccess: CustomerAccessService
    public let email: EmailChannel
    public let sms: SMSChannel
    public let webhooks: WebhookChannel
    public let webhookEndpoints: WebhookService
    public let outboxWorker: OutboxWorker
    public let retentionSweeper: RetentionSweeper
    public let orphanSweeper: OrphanBlobSweeper
    public let recordSweeper: ExpiredRecordSweeper
    public let liveRelay: LiveEventRelay
    public let keyRotation: KeyRotation
    private let passwordPool: BlockingWorkPool
    private let documentPool: BlockingWorkPool

    public init(_ infrastructure: Infrastructure) {
        let (configuration, store, effects, logger) = (
            infrastructure.configuration, infrastructure.store, infrastructure.effects, infrastructure.logger)
        self.infrastructure = infrastructure
        links = CustomerLinks(
            signer: infrastructure.linkSigner, baseURL: configuration.resolvedBaseURL,
            deliveryLifetime: configuration.customerLinkLifetime, preferencesLifetime: configuration.preferencesLinkLifetime,
            effects: effects)
        announcer = Announcer(bus: store, live: live, outboxSignal: outboxSignal, effects: effects, logger: logger)
        audit = AccessAudit(store: store, effects: effects)
        activity = ActivityLog(store: store, effects: effects)
        vault = PhotoVault(blobs: infrastructure.blobs, keys: infrastructure.keys, logger: logger)
        // bcrypt on one thread of its own: a login flood queues behind itself, never behind photos.
        passwordPool = BlockingWorkPool(threads: 1, maxQueued: 64)
        accounts = AccountService(
            store: store, passwords: PasswordWork(hasher: infrastructure.passwords, pool: passwordPool),
            sessionLifetime: configuration.courierSessionLifetime, effects: effects)
        operators = OperatorAccounts(
            store: store, passwords: PasswordWork(hasher: infrastructure.passwords, pool: passwordPool), keys: infrastructure.keys,
            lifetime: configuration.operatorSessionLifetime, idleTimeout: configuration.operatorIdleTimeout, effects: effects)
        branding = BrandingService(store: store, images: infrastructure.images)
        dashboard = DashboardService(store: store, effects: effects)
        privacy = PrivacyService(
            store: store, subjects: infrastructure.subjects, announcer: announcer, vault: vault, audit: audit, effects: effects)
        deliveries = DeliveryService(store: store, privacy: privacy, announcer: announcer, links: links, effects: effects)
        evidence = EvidenceService(
            store: store, receipts: infrastructure.receipts, deliveries: deliveries, announcer: announcer, holds: privacy.holds, effects: effects)
        caseDesk = CaseDesk(store: store, effects: effects)
        // Evidence packs are rare and take tens of milliseconds: one thread, a few waiting.
        documentPool = BlockingWorkPool(threads: 1, maxQueued: 8)
        evidencePacks = EvidencePackService(
            store: store, evidence: evidence, vault: vault, audit: audit, pool: documentPool, baseURL: configuration.resolvedBaseURL,
            effects: effects)
        ingest = PhotoIngestService(
            store: store, images: infrastructure.images, limits: configuration.limits, output: configuration.output,
            qualityThresholds: configuration.qualityThresholds, evidence: evidence, privacy: privacy, audit: audit, vault: vault,
            announcer: announcer, effects: effects)
        uploadBudget = UploadBudget(
            totalBytes: configuration.uploadMemoryBytes, maxWaiters: configuration.maxQueuedImages,
            maxWait: .milliseconds(Int64(min(configuration.uploadWait, configuration.idleTimeout / 2) * 1000)),
            maxPerHolder: configuration.uploadsPerCourier, metrics: infrastructure.metrics)
        diskSpace = DiskSpaceGuard(
            path: configuration.dataDirectory.path, watermark: configuration.minFreeDiskBytes, metrics: infrastructure.metrics, logger: logger)
        rateLimits = RateLimits(configuration.rateLimits, metrics: infrastructure.metrics, effects: effects)
        connections = ConnectionCounter(maxPerAddress: configuration.connectionsPerAddress, proxies: configuration.trustedProxies)
        customerAccess = CustomerAccessService(
            store: store, links: links, vault: vault, privacy: privacy, audit: audit, announcer: announcer, effects: effects)
        email = EmailChannel(
            store: store, links: links, vault: vault, client: infrastructure.mail,
            sender: .init(address: configuration.mailFrom, name: configuration.mailFromName,
                          bounceAddress: configuration.bounceAddress ?? configuration.mailFrom, domain: configuration.senderDomain),
            effects: effects)
        sms = SMSChannel(store: store, links: links, gateway: infrastructure.textMessages)
        let targets = WebhookTargetPolicy(allowPrivateNetworks: configuration.webhookAllowPrivateNetworks)
        webhooks = WebhookChannel(
            store: store, links: links, timeout: configuration.webhookTimeout, targets: targets, client: WebhookChannel.sharedClient,
            keys: infrastructure.keys, effects: effects)
        webhookEndpoints = WebhookService(
            store: store, channel: webhooks, targets: targets, keys: infrastructure.keys, signal: outboxSignal, effects: effects)
        outboxWorker = OutboxWorker(
            store: store, email: email, sms: sms, webhooks: webhooks, signal: outboxSignal, lease: configuration.outboxLease,
            concurrency: configuration.outboxConcurrency, webhooksPerTenant: configuration.webhookSendsPerTenant, retry: configuration.retry, metrics: infrastructure.metrics,
            effects: effects, logger: logger)
        retentionSweeper = RetentionSweeper(
            store: store, privacy: privacy, interval: configuration.retentionSweepInterval, metrics: infrastructure.metrics,
            effects: effects, logger: logger)
        orphanSweeper = OrphanBlobSweeper(
            store: store, blobs: infrastructure.blobs, gracePeriod: configuration.orphanGracePeriod,
            interval: configuration.orphanSweepInterval, metrics: infrastructure.metrics, effects: effects, logger: logger)
        recordSweeper = ExpiredRecordSweeper(store: store, interval: configuration.retentionSweepInterval, effects: effects, logger: logger)
        liveRelay = LiveEventRelay(bus: store, live: live, signal: outboxSignal, logger: logger)
        keyRotation = KeyRotation(store: store, keys: infrastructure.keys)
    }

    /// Opens the infrastructure and builds every service on it.
    public static func open(
        _ configuration: AppConfiguration, effects: Effects = .live, logger: Logger, migrate: Bool? = nil
    ) async throws -> AppServices {
        AppServices(try await Infrastructure.open(configuration, effects: effects, logger: logger, migrate: migrate))
    }

    public var configuration: AppConfiguration { infrastructure.configuration }
    public var store: any MetadataStore { infrastructure.store }
    public var blobs: any BlobStore { infrastructure.blobs }
    public var metrics: AppMetrics { infrastructure.metrics }
    public var effects: Effects { infrastructure.effects }
    public var logger: Logger { infrastructure.logger }

    /// The long-running services of one server process, in the order they start.
    public var background: [any Service] {
        var services: [any Service] = [orphanSweeper, retentionSweeper, recordSweeper]
        if configuration.outboxWorker { services.append(outboxWorker) }
        if store.isShared { services.append(liveRelay) }
        return services
    }

    public func close() async throws {
        try await passwordPool.shutdown()
        try await documentPool.shutdown()
        try await infrastructure.close()
    }
}

// Services hold keys (link signing, key rings, receipts) or lead to them; swift-service-lifecycle
// describes each service it runs at debug level. Printed, each shows its type name only.
extension AppServices: Redacted {}
extension OutboxWorker: Redacted {}
extension RetentionSweeper: Redacted {}
extension OrphanBlobSweeper: Redacted {}
extension ExpiredRecordSweeper: Redacted {}
extension LiveEventRelay: Redacted {}
extension KeyRotation: Redacted {}
