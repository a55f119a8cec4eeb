import DoorstepCore
import DoorstepImaging
import DoorstepSecurity
import DoorstepStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing

@testable import DoorstepServer
@testable import DoorstepServices

/// A clock tests can move forward.
final class TestClock: Sendable {
    // Starts at the real time: file modification times (blob age) are real too.
    private let current = Mutex(Date())
    var now: Date { current.withLock { $0 } }
    func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
    /// To the next whole second: times then print exactly in whole-second ISO 8601.
    func advanceToWholeSecond() { current.withLock { $0 = Date(timeIntervalSince1970: ($0.timeIntervalSince1970 + 1).rounded(.down)) } }
}

/// A real application on a fresh data folder (SQLite file, disk blobs, keys), plus seeded
/// accounts. Tests may wrap the store to inject a fault.
struct TestApp: Sendable {
    let services: AppServices
    let clock: TestClock
    let folder: URL
    let tenant: Tenant
    let apiKey: String
    let courier: Courier
    let courierToken: String

    static let metricsToken = "test-metrics-token"
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func run(
        configure: (inout AppConfiguration) -> Void = { _ in },
        failing statement: String? = nil,
        _ body: (TestApp) async throws -> Void
    ) async throws {
        let folder = URL(fileURLWithPath: NSTemporaryDirectory() + "doorstep-app-\(UUID().uuidString)")
        var configuration = AppConfiguration()
        configuration.dataDirectory = folder
        configuration.port = 0
        configuration.baseURL = "http://doorstep.test"
        let backend = try await TestBackend.make()
        configuration.databaseURL = backend.databaseURL
        configuration.blobURL = backend.blobURL
        // The tests' webhook receivers listen on loopback.
        configuration.webhookAllowPrivateNetworks = true
        configuration.metricsToken = TestApp.metricsToken
        // Images are decoded in helper processes, as in the server: the built `doorstep` beside this bundle.
        configuration.decoderExecutable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("doorstep").path
        configure(&configuration)
        let clock = TestClock()
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        var infrastructure = try await Infrastructure.open(
            configuration, effects: Effects(now: { clock.now }, newID: { UUID().uuidString.lowercased() }), logger: logger, migrate: true)
        // The fault: a second store on the same database whose statements containing `statement`
        // fail, as a database that dies in the middle of a change would.
        if let statement {
            let faulty = SQLMetadataStore(source: FailingStatementSource(
                base: try await Infrastructure.openDatabase(configuration, logger: logger), failing: statement))
            let closeOpened = infrastructure.close
            infrastructure.store = faulty
            infrastructure.close = {
                try await faulty.shutdown()
                try await closeOpened()
            }
        }
        infrastructure.passwords = PasswordHasher(cost: 4)
        infrastructure.metricsToken = TestApp.metricsToken
        let services = AppServices(infrastructure)
        do {
            let created = try await services.accounts.createTenant(name: "Test shop")
            let courier = try await services.accounts.createCourier(
                tenantID: created.tenant.id, username: "courier-\(UUID().uuidString.prefix(8))", displayName: "Sam",
                password: "correct horse battery")
            let session = try await services.accounts.openSession(for: courier)
            let app = TestApp(
                services: services, clock: clock, folder: folder, tenant: created.tenant, apiKey: created.apiKey,
                courier: courier, courierToken: session.token)
            try await body(app)
        } catch {
            try? await services.close()
            try? await backend.drop()
            throw error
        }
        try await services.close()
        try await backend.drop()
        try? FileManager.default.removeItem(at: folder)
    }

    var application: some ApplicationProtocol {
        get throws { try buildApplication(services, outermost: ContractRecorder.shared) }
    }

    /// A delivery of this app's tenant, assigned to its courier unless told otherwise.
    func delivery(language: Language = .en, courierID: String?? = .none) async throws -> Delivery {
        try await services.deliveries.create(
            NewDelivery(
                orderReference: "ORD-\(UUID().uuidString.prefix(8))",
                recipient: Recipient(name: "Ann", email: "ann@example.com", language: language),
                address: "1 Main St", latitude: 48.8566, longitude: 2.3522, instructions: "Behind the pot",
                courierID: courierID ?? courier.id),
            for: tenant)
    }

    /// Every object in the blob store (on disk, temporary files included).
    func blobFiles() async throws -> [String] {
        try await services.blobs.list(prefix: "").map(\.key).sorted()
    }

    /// The stored (sealed) bytes of every blob, by key.
    func blobContents() async throws -> [String: [UInt8]] {
        var contents: [String: [UInt8]] = [:]
        for key in try await blobFiles() { contents[key] = try await services.blobs.get(key) }
        return contents
    }

    var apiHeaders: HTTPFields { [.authorization: "Bearer \(apiKey)", .contentType: "application/json"] }

    /// A new operator of `tenant` (this app's unless told), and a way to open console sessions for them.
    func operatorSignIn(
        _ role: OperatorRole, tenant: Tenant? = nil
    ) async throws -> (username: String, session: @Sendable () async throws -> OperatorAccounts.Session) {
        let username = "\(role.rawValue)-\(UUID().uuidString.prefix(8))".lowercased()
        _ = try await services.operators.create(
            tenantID: (tenant ?? self.tenant).id, username: username, displayName: "Olga", role: role, password: "correct horse battery",
            by: .operatorCLI, actorID: nil)
        let operators = services.operators
        return (username, { try await operators.signIn(username: username, password: "correct horse battery") })
    }

    /// What the console's script sends: the session cookie, and the anti-forgery token for changes.
    static func consoleHeaders(_ session: OperatorAccounts.Session, csrf: Bool = true) -> HTTPFields {
        var headers: HTTPFields = [.cookie: "\(ConsoleCookie.name)=\(session.token)", .contentType: "application/json"]
        if csrf { headers[.csrfToken] = session.csrfToken }
        return headers
    }

    func courierHeaders(key: String? = nil, contentType: String = "image/jpeg") -> HTTPFields {
        var headers: HTTPFields = [.authorization: "Bearer \(courierToken)", .contentType: contentType]
        if let key { headers[.idempotencyKey] = key }
        return headers
    }

    func uploadPath(_ delivery: Delivery, query: String = "placement=front_door&lat=48.8566&lon=2.3522") -> String {
        "/api/v1/courier/deliveries/\(delivery.id)/photo?\(query)"
    }

    /// The path and query of the delivery's signed customer link.
    func customerPath(_ delivery: Delivery) -> String {
        let url = services.links.customerURL(for: delivery)
        return String(url.dropFirst("http://doorstep.test".count))
    }
}

/// Where the server tests keep their data: the embedded default (SQLite + disk), or, with
/// DOORSTEP_TEST_BACKEND=postgres+s3, a fresh PostgreSQL database and a fresh S3 key prefix on
/// the services scripts/test starts. The same tests run on both.
struct TestBackend: Sendable {
    var databaseURL: String?
    var blobURL: String?
    var drop: @Sendable () async throws -> Void

    static func make() async throws -> TestBackend {
        let environment = ProcessInfo.processInfo.environment
        guard environment["DOORSTEP_TEST_BACKEND"] == "postgres+s3" else { return TestBackend(drop: {}) }
        let admin = try #require(environment["DOORSTEP_TEST_POSTGRES"])
        let endpoint = try #require(environment["DOORSTEP_TEST_S3_ENDPOINT"]), bucket = try #require(environment["DOORSTEP_TEST_S3_BUCKET"])
        let name = "doorstep_app_\(UUID().uuidString.prefix(8).lowercased())"
        let logger = Logger(label: "test")
        let adminPool = try await PostgresClientSource.open(url: admin, size: 1, logger: logger)
        try await adminPool.withConnection { db in try await db.raw("CREATE DATABASE \(ident: name)").run() }
        return TestBackend(
            databaseURL: admin.replacingOccurrences(of: #"/[^/]*$"#, with: "/\(name)", options: .regularExpression),
            blobURL: "s3://\(bucket)?endpoint=\(endpoint)&prefix=\(name)/",
            drop: {
                try await adminPool.withConnection { db in try await db.raw("DROP DATABASE \(ident: name) WITH (FORCE)").run() }
                try await adminPool.shutdown()
            })
    }
}

enum Photos {
    static let fixtures = TestApp.repositoryRoot.appendingPathComponent("Tests/Fixtures/photos")

    static func bytes(_ name: String) -> [UInt8] {
        Array(FileManager.default.contents(atPath: fixtures.appendingPathComponent(name).path) ?? Data())
    }

    static var jpeg: [UInt8] { bytes("r17_nikonD2H_500x375_gps.jpg") }

    /// A corpus photo or one of its dark/blurred/copied versions (Tests/Fixtures/quality).
    static func quality(_ name: String) -> [UInt8] {
        let url = TestApp.repositoryRoot.appendingPathComponent("Tests/Fixtures/quality/\(name).jpg")
        return Array(FileManager.default.contents(atPath: url.path) ?? Data())
    }

    /// Fixtures the manifest says must be refused.
    static var rejected: [String] {
        guard let text = try? String(contentsOf: fixtures.appendingPathComponent("MANIFEST.tsv"), encoding: .utf8) else { return [] }
        let rows = text.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        guard let expect = rows.first?.firstIndex(of: "expect") else { return [] }
        return rows.dropFirst().filter { $0.count > expect && $0[expect] == "reject" }.map { $0[0] }
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func json() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])
    }
}

extension ByteBuffer {
    init(bytes: [UInt8]) {
        self.init()
        writeBytes(bytes)
    }
}

extension JSONSerialization {
    static func body(_ object: [String: Any]) throws -> ByteBuffer {
        ByteBuffer(data: try data(withJSONObject: object))
    }
}

extension TestApp {
    /// Uploads the standard test JPEG for `delivery` and returns the new photo's id.
    @discardableResult
    func upload(_ delivery: Delivery, client: some TestClientProtocol, key: String = UUID().uuidString) async throws -> String {
        let response = try await client.execute(uri: uploadPath(delivery), method: .post, headers: courierHeaders(key: key), body: ByteBuffer(bytes: Photos.jpeg))
        #expect(response.status == .created, "upload: \(response.status) \(response.text)")
        return try #require((try response.json()["photo"] as? [String: Any])?["id"] as? String)
    }

    /// The path and query of the recipient's preferences (opt-out) link.
    func preferencesPath(_ delivery: Delivery) -> String {
        String(services.links.preferencesURL(for: delivery).dropFirst("http://doorstep.test".count))
    }

    func displayPhotoPath(_ delivery: Delivery) -> String {
        let path = customerPath(delivery)
        return "/d/\(delivery.id)/photo/display?" + path.split(separator: "?")[1]
    }

    /// A delivery of this tenant to a given recipient (an email, "" for none, and a number), address, place and country.
    func delivery(
        email: String, phone: String? = nil, address: String = "1 Main St", latitude: Double = 48.8566, country: String? = nil
    ) async throws -> Delivery {
        try await services.deliveries.create(
            NewDelivery(orderReference: "ORD-\(UUID().uuidString.prefix(8))", recipient: Recipient(name: "Ann", email: email, language: .en, phone: phone),
                        address: address, latitude: latitude, longitude: 2.3522, courierID: courier.id, country: country),
            for: tenant)
    }
}

extension HTTPFields {
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
}
