import AsyncHTTPClient
import DoorstepCore
import Foundation
import Testing

@testable import DoorstepStorage

/// The blob stores the contract runs against. S3 joins when DOORSTEP_TEST_S3_ENDPOINT names a
/// real S3 server (scripts/test starts SeaweedFS); each test gets its own key prefix.
enum BlobEngine: String, CaseIterable, Sendable {
    case disk
    case s3

    static var allCases: [BlobEngine] { s3Configuration() == nil ? [.disk] : [.disk, .s3] }

    static func s3Configuration(secret: String? = nil) -> S3BlobStore.Configuration? {
        let environment = ProcessInfo.processInfo.environment
        guard let endpoint = environment["DOORSTEP_TEST_S3_ENDPOINT"].flatMap(URL.init(string:)), let bucket = environment["DOORSTEP_TEST_S3_BUCKET"],
              let key = environment["DOORSTEP_TEST_S3_KEY"], let storedSecret = environment["DOORSTEP_TEST_S3_SECRET"]
        else { return nil }
        return S3BlobStore.Configuration(
            endpoint: endpoint, bucket: bucket, credentials: .init(accessKeyID: key, secretAccessKey: secret ?? storedSecret),
            prefix: "test-\(UUID().uuidString.prefix(8).lowercased())/", attempts: 2)
    }

    /// scripts/test-s3-proxy.py in front of the test S3 server (host, port): it fails each request
    /// line twice with 500 before passing it, and tunnels CONNECT to the server whatever the name.
    static var proxy: (host: String, port: Int)? {
        guard let address = ProcessInfo.processInfo.environment["DOORSTEP_TEST_S3_PROXY"], let colon = address.lastIndex(of: ":"),
              let port = Int(address[address.index(after: colon)...])
        else { return nil }
        return (String(address[..<colon]), port)
    }

    /// The name SeaweedFS serves virtual-host buckets under (`bucket.DOMAIN`).
    static var virtualHostDomain: String? { ProcessInfo.processInfo.environment["DOORSTEP_TEST_S3_DOMAIN"] }

    func makeStore() throws -> any BlobStore {
        switch self {
        case .disk:
            try DiskBlobStore(root: URL(fileURLWithPath: NSTemporaryDirectory() + "doorstep-blobs-\(UUID().uuidString)"))
        case .s3:
            S3BlobStore(configuration: try #require(Self.s3Configuration()))
        }
    }
}

@Suite final class BlobStoreContractTests {
    let key = "photos/956ed28a-8a65-4e20-876f-9bddeab8077c/display.jpg"
    private var diskRoots: [URL] = []

    deinit { for root in diskRoots { try? FileManager.default.removeItem(at: root) } }

    /// The engine's store; a disk store's folder goes when the test ends.
    func makeStore(_ engine: BlobEngine) throws -> any BlobStore {
        let blobs = try engine.makeStore()
        if let disk = blobs as? DiskBlobStore { diskRoots.append(disk.root) }
        return blobs
    }

    @Test(arguments: BlobEngine.allCases)
    func putGetReplaceDelete(_ engine: BlobEngine) async throws {
        let blobs = try makeStore(engine)
        #expect(try await blobs.get(key) == nil)
        try await blobs.put(key, bytes: [1, 2, 3])
        #expect(try await blobs.get(key) == [1, 2, 3])
        try await blobs.put(key, bytes: Array(repeating: 7, count: 100_000))
        #expect(try await blobs.get(key)?.count == 100_000)
        try await blobs.delete(key)
        #expect(try await blobs.get(key) == nil)
        try await blobs.delete(key)  // deleting a missing blob is fine
        try await blobs.ping()
    }

    @Test(arguments: BlobEngine.allCases)
    func listingByPrefixShowsOnlyWholeObjects(_ engine: BlobEngine) async throws {
        let blobs = try makeStore(engine)
        try await blobs.put(key, bytes: [1])
        try await blobs.put("photos/956ed28a-8a65-4e20-876f-9bddeab8077c/thumbnail.jpg", bytes: [2])
        try await blobs.put("other/x.jpg", bytes: [3])
        let listed = try await blobs.list(prefix: "photos/").map(\.key)
        #expect(listed == [key, "photos/956ed28a-8a65-4e20-876f-9bddeab8077c/thumbnail.jpg"])
    }

    @Test(arguments: BlobEngine.allCases)
    func severalObjectsAreStoredTogether(_ engine: BlobEngine) async throws {
        let blobs = try makeStore(engine)
        let thumbnail = "photos/956ed28a-8a65-4e20-876f-9bddeab8077c/thumbnail.jpg"
        let nested = "other/deeper/still/x.jpg"  // folders that do not exist yet, several levels down
        try await blobs.put([BlobObject(key: key, bytes: [1, 2]), BlobObject(key: thumbnail, bytes: [3]), BlobObject(key: nested, bytes: [4])])
        #expect(try await blobs.get(key) == [1, 2])
        #expect(try await blobs.get(thumbnail) == [3])
        #expect(try await blobs.get(nested) == [4])
        #expect(try await blobs.list(prefix: "").map(\.key) == [nested, key, thumbnail])
        await #expect(throws: BlobStoreError.self) {
            try await blobs.put([BlobObject(key: "other/y.jpg", bytes: [5]), BlobObject(key: "../escape", bytes: [6])])
        }
    }

    @Test(arguments: BlobEngine.allCases)
    func keysCannotEscapeTheStore(_ engine: BlobEngine) async throws {
        let blobs = try makeStore(engine)
        for bad in ["../x", "/etc/passwd", "photos/../../x", "a b", "", "photos/./x"] {
            await #expect(throws: BlobStoreError.self) { try await blobs.put(bad, bytes: [1]) }
        }
    }

    @Test func photoIDsAreReadOnlyFromVariantKeys() {
        #expect(BlobKey.photoID(in: key) == "956ed28a-8a65-4e20-876f-9bddeab8077c")
        #expect(BlobKey.photoID(in: "photos/956ed28a-8a65-4e20-876f-9bddeab8077c/.tmp-1") == nil)
        #expect(BlobKey.photoID(in: "photos/nope/display.jpg") == nil)
        let photo = "956ed28a-8a65-4e20-876f-9bddeab8077c", seal = "0b7e7a4c-5f2a-4a4e-9a7e-3d1c2b4a5e6f"
        #expect(BlobKey.photoID(in: BlobKey.proofThumbnail(photoID: photo, sealID: seal)) == photo)
        #expect(BlobKey.photoID(in: "photos/\(photo)/proof-nope.jpg") == nil)
        #expect(BlobKey.photoID(in: "photos/\(photo)/proof-\(seal).png") == nil)
    }
}

@Suite struct S3BlobStoreTests {
    @Test(.enabled(if: BlobEngine.s3Configuration() != nil))
    func aWrongSecretIsRefusedByTheServer() async throws {
        let store = S3BlobStore(configuration: try #require(BlobEngine.s3Configuration(secret: "wrong-secret")))
        await #expect(throws: BlobStoreError.self) { try await store.put("photos/x/display.jpg", bytes: [1]) }
    }

    /// What the admin reads for each misconfiguration, from the real server's own answers.
    @Test(.enabled(if: BlobEngine.s3Configuration() != nil))
    func misconfigurationsAreNamedInWordsAnAdminCanActOn() async throws {
        func failure(_ configuration: S3BlobStore.Configuration, _ call: (S3BlobStore) async throws -> Void) async -> String {
            do { try await call(S3BlobStore(configuration: configuration)); return "no error" } catch { return "\(error)" }
        }
        let wrongSecret = try #require(BlobEngine.s3Configuration(secret: "wrong-secret"))
        #expect(await failure(wrongSecret) { try await $0.put("photos/x/display.jpg", bytes: [1]) }.contains("check AWS_SECRET_ACCESS_KEY"))
        var unknownKey = try #require(BlobEngine.s3Configuration())
        unknownKey.credentials = .init(accessKeyID: "no-such-key", secretAccessKey: "whatever")
        #expect(await failure(unknownKey) { try await $0.ping() }.contains("check AWS_ACCESS_KEY_ID"))
        // A missing bucket is not a missing photo: reads, deletes and the check all say so.
        var noBucket = try #require(BlobEngine.s3Configuration())
        noBucket.bucket = "doorstep-no-such-bucket"
        for call: (S3BlobStore) async throws -> Void in [
            { try await $0.ping() }, { _ = try await $0.get("photos/x/display.jpg") },
            { try await $0.delete("photos/x/display.jpg") }, { try await $0.put("photos/x/display.jpg", bytes: [1]) },
        ] {
            #expect(await failure(noBucket, call).contains("the bucket doorstep-no-such-bucket does not exist"))
        }
    }

    /// The test proxy answers each request 500 twice, then passes it to the real store: three
    /// attempts get the photo stored; two give up with the server's own error named.
    @Test(.enabled(if: BlobEngine.s3Configuration() != nil && BlobEngine.proxy != nil))
    func serverErrorsAreRetriedUntilTheStoreAnswers() async throws {
        let proxy = try #require(BlobEngine.proxy)
        var configuration = try #require(BlobEngine.s3Configuration())
        let direct = S3BlobStore(configuration: configuration)
        configuration.endpoint = try #require(URL(string: "http://\(proxy.host):\(proxy.port)"))
        // Each store its own connection pool: the proxy passes a whole connection through once it
        // has let one request by, so a shared pool would carry the next test past its faults.
        func throughProxy(attempts: Int, _ call: (S3BlobStore) async throws -> Void) async throws {
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            configuration.attempts = attempts
            do { try await call(S3BlobStore(configuration: configuration, client: client)) } catch {
                try await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
        let started = ContinuousClock.now
        try await throughProxy(attempts: 3) { try await $0.put("photos/r/display.jpg", bytes: [7, 8, 9]) }
        #expect(ContinuousClock.now - started >= .milliseconds(600), "two backoff pauses, 200 and 400 ms")
        #expect(try await direct.get("photos/r/display.jpg") == [7, 8, 9])

        var failure = ""
        do { try await throughProxy(attempts: 2) { try await $0.put("photos/s/display.jpg", bytes: [1]) } } catch { failure = "\(error)" }
        #expect(failure == "S3 PUT answered 500 InternalError")
        #expect(try await direct.get("photos/s/display.jpg") == nil, "nothing stored when every attempt failed")
    }

    /// Virtual-host addressing (`bucket.endpoint/key`, AWS's default) against the real server:
    /// SeaweedFS serves the bucket under s3.doorstep.test, reached through the proxy's CONNECT since
    /// that name has no DNS here. Checked through a path-style store, so a request the server had
    /// read as path style (bucket "photos") could not pass.
    @Test(.enabled(if: BlobEngine.s3Configuration() != nil && BlobEngine.proxy != nil && BlobEngine.virtualHostDomain != nil))
    func virtualHostAddressingReachesTheBucketByName() async throws {
        let proxy = try #require(BlobEngine.proxy)
        var configuration = try #require(BlobEngine.s3Configuration())
        let pathStyle = S3BlobStore(configuration: configuration)
        let domain = try #require(BlobEngine.virtualHostDomain), port = try #require(configuration.endpoint.port)
        configuration.endpoint = try #require(URL(string: "http://\(domain):\(port)"))
        configuration.pathStyle = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(proxy: .server(host: proxy.host, port: proxy.port)))
        let virtualHost = S3BlobStore(configuration: configuration, client: client)
        #expect(virtualHost.target(key: nil).host.hasPrefix("\(configuration.bucket).\(domain)"))

        do {
            try await virtualHost.ping()
            try await virtualHost.put("photos/v/display.jpg", bytes: [1, 2, 3])
            #expect(try await pathStyle.get("photos/v/display.jpg") == [1, 2, 3])
            try await pathStyle.put("photos/w/display.jpg", bytes: [4, 5])
            #expect(try await virtualHost.get("photos/w/display.jpg") == [4, 5])
            #expect(try await virtualHost.get("photos/w/display.jpg", range: 1...1) == [5])
            #expect(try await virtualHost.head("photos/v/display.jpg") == 3)
            #expect(try await virtualHost.list(prefix: "photos/").map(\.key) == ["photos/v/display.jpg", "photos/w/display.jpg"])
            try await virtualHost.delete("photos/v/display.jpg")
            #expect(try await pathStyle.get("photos/v/display.jpg") == nil)
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    /// SeaweedFS does not check the signing region, so AWS's own answer to a wrong one (its
    /// documented error body) stands in for the server here.
    @Test func aWrongRegionNamesTheRightOne() {
        let body = Array("""
            <?xml version="1.0" encoding="UTF-8"?><Error><Code>AuthorizationHeaderMalformed</Code><Message>The authorization \
            header is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-3'</Message><Region>eu-west-3</Region></Error>
            """.utf8)
        let error = S3ErrorReply(status: 400, body: body).error("PUT", bucket: "photos", region: "us-east-1")
        #expect(error.description == "S3 PUT answered 400 AuthorizationHeaderMalformed: the bucket is not in region us-east-1: set region=eu-west-3 in DOORSTEP_BLOBS")
        #expect(S3ErrorReply(status: 500, body: []).error("GET", bucket: "b", region: "r").description == "S3 GET answered 500")
    }

    @Test(.enabled(if: BlobEngine.s3Configuration() != nil))
    func headTellsTheSizeAndKeysWithOddCharactersRoundTrip() async throws {
        let store = S3BlobStore(configuration: try #require(BlobEngine.s3Configuration()))
        try await store.put("odd/a_b-c.d/f.jpg", bytes: Array(repeating: 9, count: 1234))
        #expect(try await store.head("odd/a_b-c.d/f.jpg") == 1234)
        #expect(try await store.head("odd/none.jpg") == nil)
        #expect(try await store.list(prefix: "odd/").map(\.key) == ["odd/a_b-c.d/f.jpg"])
        try await store.put("odd/range.bin", bytes: Array(0..<200))
        #expect(try await store.get("odd/range.bin", range: 10...19) == Array(10..<20))
        #expect(try await store.get("odd/missing.bin", range: 0...1) == nil)
    }

    @Test func listPagesAreReadWithTheirContinuationToken() {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?><ListBucketResult><IsTruncated>true</IsTruncated>
            <Contents><Key>p/a&amp;b.jpg</Key><LastModified>2026-11-25T10:00:00.000Z</LastModified></Contents>
            <Contents><Key>p/c.jpg</Key><LastModified>2026-11-25T10:00:01Z</LastModified></Contents>
            <NextContinuationToken>tok/en=</NextContinuationToken></ListBucketResult>
            """
        let page = ListPage(xml: xml)
        #expect(page.objects.map(\.0) == ["p/a&b.jpg", "p/c.jpg"])
        #expect(page.objects[0].1 == Date(timeIntervalSince1970: 1_795_600_800))
        #expect(page.nextToken == "tok/en=")
        #expect(ListPage(xml: "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>").nextToken == nil)
    }

    @Test func pathStyleAndVirtualHostAddressing() throws {
        var configuration = try S3BlobStore.Configuration(
            url: "s3://photos?endpoint=https://s3.eu-west-3.amazonaws.com", environment: ["AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"])
        let pathStyle = S3BlobStore(configuration: configuration).target(key: "photos/a b/display.jpg")
        #expect(pathStyle == ("https", "s3.eu-west-3.amazonaws.com", "/photos/photos/a%20b/display.jpg"))
        configuration.pathStyle = false
        let virtualHost = S3BlobStore(configuration: configuration)
        #expect(virtualHost.target(key: "photos/x/display.jpg") == ("https", "photos.s3.eu-west-3.amazonaws.com", "/photos/x/display.jpg"))
        #expect(virtualHost.target(key: nil) == ("https", "photos.s3.eu-west-3.amazonaws.com", "/"))
        configuration.endpoint = URL(string: "http://127.0.0.1:8333")!
        configuration.pathStyle = true
        #expect(S3BlobStore(configuration: configuration).target(key: nil) == ("http", "127.0.0.1:8333", "/photos"))
    }

    @Test func anUnreachableStoreFailsAfterItsRetries() async throws {
        let store = S3BlobStore(configuration: .init(
            endpoint: URL(string: "http://127.0.0.1:9")!, bucket: "b", credentials: .init(accessKeyID: "k", secretAccessKey: "s"),
            timeout: .seconds(2), attempts: 3))
        let started = ContinuousClock.now
        await #expect(throws: BlobStoreError.self) { try await store.put("photos/x/display.jpg", bytes: [1]) }
        // Two backoff pauses (200 ms, 400 ms) happened between the three attempts.
        #expect(ContinuousClock.now - started >= .milliseconds(600))
    }

    @Test func blobURLsCarryNoSecrets() throws {
        let configuration = try S3BlobStore.Configuration(
            url: "s3://photos?endpoint=http://127.0.0.1:8333&region=eu-west-3&prefix=doorstep/",
            environment: ["AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"])
        #expect(configuration.bucket == "photos" && configuration.region == "eu-west-3" && configuration.prefix == "doorstep/")
        #expect(configuration.pathStyle && configuration.endpoint.absoluteString == "http://127.0.0.1:8333")
        #expect(throws: BlobStoreError.self) { try S3BlobStore.Configuration(url: "s3://photos", environment: [:]) }
    }
}

/// A disk that fills in the middle of a write is the caller's `storageFull` (503 with
/// Retry-After), never a 500: `/dev/full` answers every write with ENOSPC, as a full disk does.
@Suite struct FullDiskTests {
    @Test func aWriteToAFullDiskIsStorageFull() throws {
        let fd = open("/dev/full", O_WRONLY | O_CLOEXEC)
        try #require(fd >= 0)
        defer { close(fd) }
        let code = try #require(DiskBlobStore.writeAll([UInt8](repeating: 7, count: 64 << 10), to: fd))
        #expect(code == ENOSPC)
        #expect(DiskBlobStore.failure("cannot write blob file", code) as? DoorstepError == .storageFull)
        #expect(DiskBlobStore.failure("cannot write blob file", EDQUOT) as? DoorstepError == .storageFull)
        #expect(DiskBlobStore.failure("cannot write blob file", EACCES) is BlobStoreError)
    }
}
