import DoorstepCore
import Foundation
import Synchronization
import Testing

@testable import DoorstepImaging

/// Decoding in helper processes: the same output as in the server, a sandbox seen from outside
/// (/proc), and every way a helper can fail costing one image, never the caller.
@Suite struct IsolatedProcessorTests {
    /// The built `doorstep` beside this test bundle: it is the helper binary, as in the server.
    static let doorstep = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("doorstep").path

    static let heic = TestPhotos.shared.appendingPathComponent("corpus/h01_dragonfly_CONVERTED_4032x3024.heic")

    static func fixture(_ name: String) -> [UInt8] {
        Array(FileManager.default.contents(atPath: TestPhotos.fixtures.appendingPathComponent(name).path) ?? Data())
    }

    final class Losses: Sendable {
        let seen = Mutex<[IsolatedImageProcessor.Loss]>([])
        var all: [IsolatedImageProcessor.Loss] { seen.withLock { $0 } }
        func record(_ loss: IsolatedImageProcessor.Loss) { seen.withLock { $0.append(loss) } }
    }

    func processor(_ executable: String = doorstep, losses: Losses = Losses(), slack: Duration = .seconds(5)) -> IsolatedImageProcessor {
        IsolatedImageProcessor(executable: executable, memoryLimitMB: 2048, wallSlack: slack) { losses.record($0) }
    }

    @Test func helpersMakeExactlyWhatTheInProcessPipelineMakes() throws {
        let isolated = processor()
        defer { isolated.shutdown() }
        let inProcess = try VipsImageProcessor()
        for name in ["x01_wine_stored3837x2560_o6_gps.jpg", "r18_coffee_600x400.png", "r16_iphone4s_205x102_gps_o6.jpg", "b27_grayscale_1band_512x512.jpg"] {
            let bytes = Self.fixture(name)
            let ours = try isolated.process(bytes, limits: ImageLimits(), output: ImageOutputSpec())
            let reference = try inProcess.process(bytes, limits: ImageLimits(), output: ImageOutputSpec())
            #expect(ours.header == reference.header, "\(name)")
            #expect(ours.display.jpeg == reference.display.jpeg, "\(name)")
            #expect(ours.thumbnail.jpeg == reference.thumbnail.jpeg, "\(name)")
            #expect(ours.perceptualHash == reference.perceptualHash && ours.signals == reference.signals, "\(name)")
        }
        #expect(try isolated.process(Self.fixture("x01_wine_stored3837x2560_o6_gps.jpg"), limits: ImageLimits(), output: ImageOutputSpec()).header.position != nil)
        #expect(throws: DoorstepError.tooManyPixels(limit: 60_000_000)) {
            try isolated.process(Self.fixture("b07_png_bomb_30000x30000_1bit.png"), limits: ImageLimits(), output: ImageOutputSpec())
        }
        #expect(throws: DoorstepError.undecodableImage) {
            try isolated.process(Self.fixture("b03_skimage_truncated_100x100.jpg"), limits: ImageLimits(), output: ImageOutputSpec())
        }
        #expect(throws: DoorstepError.unsupportedMediaType) {
            try isolated.process(Self.fixture("b19_svg_with_script.svg"), limits: ImageLimits(), output: ImageOutputSpec())
        }
        // One helper did all of it, one job after another, refusals included.
        #expect(isolated.idleProcessIDs.count == 1)
    }

    @Test func aHelperRunsSandboxedWithNothingOfTheServers() throws {
        setenv("DOORSTEP_TEST_SECRET", "must-not-reach-a-helper", 1)
        // A descriptor the helper must not inherit, although it is not close-on-exec.
        let held = open(TestPhotos.fixtures.appendingPathComponent("MANIFEST.tsv").path, O_RDONLY)
        defer { close(held) }
        let isolated = processor()
        defer { isolated.shutdown() }
        // After a job, so libvips's worker threads exist too.
        _ = try isolated.process(Self.fixture("r18_coffee_600x400.png"), limits: ImageLimits(), output: ImageOutputSpec())
        let pid = try #require(isolated.idleProcessIDs.first)

        // Every thread is filtered, not only the main one.
        let threads = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")
        #expect(threads.count > 1)
        for thread in threads {
            let status = try String(contentsOfFile: "/proc/\(pid)/task/\(thread)/status", encoding: .utf8)
            #expect(status.contains("NoNewPrivs:\t1"))
            #expect(status.contains("Seccomp:\t2"), "thread \(thread) has no seccomp filter")
        }
        // Its own session: signals to the server's process group do not reach it, nor its to the server's.
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8).split(separator: ")").last!.split(separator: " ")
        #expect(Int32(stat[3]) == pid, "session id")
        #expect(try String(contentsOfFile: "/proc/\(pid)/oom_score_adj", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == "1000")
        let limits = try String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8).split(separator: "\n")
        func limit(_ name: String) -> [String] {
            limits.first { $0.hasPrefix(name) }.map { $0.dropFirst(name.count).split(separator: " ").prefix(2).map(String.init) } ?? []
        }
        #expect(limit("Max file size") == ["0", "0"])
        #expect(limit("Max core file size") == ["0", "0"])
        #expect(limit("Max address space") == ["\(2048 << 20)", "\(2048 << 20)"])
        #expect(limit("Max open files") == ["16", "16"])
        let environment = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ")).split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        #expect(!environment.contains { $0.hasPrefix("DOORSTEP_TEST_SECRET") })
        #expect(environment.contains("MALLOC_ARENA_MAX=2"))
        let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")
        let targets = descriptors.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)") }
        #expect(!targets.contains { $0.hasSuffix("MANIFEST.tsv") }, "\(targets)")
        #expect(targets.filter { $0.hasPrefix("socket:") }.count == 1, "\(targets)")
        #expect(targets.filter { $0.hasPrefix("/memfd:doorstep-image") }.count == 1, "\(targets)")
        // Its opening of the image memory is read-only: it can neither write the next upload's
        // bytes nor grow the file the server writes (fdinfo's flags are octal; access mode 0 is O_RDONLY).
        let info = try String(contentsOfFile: "/proc/\(pid)/fdinfo/4", encoding: .utf8)
        let flags = try #require(info.split(separator: "\n").first { $0.hasPrefix("flags:") }.flatMap { Int($0.split(separator: "\t").last ?? "", radix: 8) })
        #expect(flags & 0o3 == 0, "fd 4 flags \(String(flags, radix: 8))")
    }

    /// Needs the HEIC of ../shared/photos: skipped, and says so, where that folder is absent.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: Self.heic.path), "needs ../shared/photos (absent: skipped)"))
    func aFramePastItsCPUBudgetEndsTheHelperAndTheNextJobGetsAFreshOne() throws {
        // A HEIF frame is decoded in one libvips call: no progress report can stop it, the CPU timer does.
        let heic = Self.heic
        let bytes = Array(try Data(contentsOf: heic))
        let losses = Losses()
        let isolated = processor(losses: losses)
        defer { isolated.shutdown() }
        var late = ImageLimits()
        late.decodeBudget = .milliseconds(1)
        #expect(throws: DoorstepError.undecodableImage) { try isolated.process(bytes, limits: late, output: ImageOutputSpec()) }
        #expect(losses.all == [.signal(SIGXCPU)])
        #expect(try isolated.process(bytes, limits: ImageLimits(), output: ImageOutputSpec()).display.width == 1600)
    }

    @Test func aBudgetTheDecoderCanCheckStopsTheJobAndKeepsTheHelper() throws {
        let losses = Losses()
        let isolated = processor(losses: losses)
        defer { isolated.shutdown() }
        try isolated.start()
        let before = isolated.idleProcessIDs
        var late = ImageLimits()
        late.decodeBudget = .milliseconds(1)
        // 10 MP of JPEG takes far more than 1 ms of CPU; libjpeg-turbo's progress monitor stops it.
        #expect(throws: DoorstepError.undecodableImage) {
            try isolated.process(Self.fixture("x01_wine_stored3837x2560_o6_gps.jpg"), limits: late, output: ImageOutputSpec())
        }
        #expect(losses.all.isEmpty)
        #expect(isolated.idleProcessIDs == before)
    }

    @Test func aHelperThatDiesWhileIdleIsReplacedWithoutFailingTheNextImage() throws {
        let losses = Losses()
        let isolated = processor(losses: losses)
        defer { isolated.shutdown() }
        try isolated.start()
        let first = try #require(isolated.idleProcessIDs.first)
        kill(first, SIGKILL)
        usleep(50_000)
        #expect(try isolated.process(Self.fixture("r18_coffee_600x400.png"), limits: ImageLimits(), output: ImageOutputSpec()).display.width == 600)
        #expect(losses.all.isEmpty)
        #expect(isolated.idleProcessIDs.count == 1 && isolated.idleProcessIDs != [first])
    }

    /// Stand-ins for a decoder gone wrong, as real processes: each says it is ready (the magic
    /// "DSH2" as the helper writes it), then crashes, falls silent, answers nonsense or a status
    /// that does not exist (after reading the whole job: the answer's checks, not a timeout, must
    /// catch those; the image itself is in shared memory, the socket carries 40 bytes), speaks
    /// before it is asked, or exits.
    @Test(arguments: [
        ("crash", "printf 3HSD >&3; /usr/bin/head -c 16 <&3 >/dev/null; kill -SEGV $$", IsolatedImageProcessor.Loss.signal(SIGSEGV), true),
        ("silent", "printf 3HSD >&3; exec /bin/sleep 600", .signal(SIGKILL), false),
        ("nonsense", "printf 3HSD >&3; /usr/bin/head -c 40 <&3 >/dev/null; printf '%0300d' 7 >&3; exec /bin/sleep 600", .signal(SIGKILL), true),
        ("no such status", "printf 3HSD >&3; /usr/bin/head -c 40 <&3 >/dev/null; printf '3HSD\\007\\000\\000\\000' >&3; /usr/bin/head -c 300 /dev/zero >&3; exec /bin/sleep 600", .signal(SIGKILL), true),
        ("unasked", "printf 3HSDx >&3; exec /bin/sleep 600", .signal(SIGKILL), true),
        ("exits", "printf 3HSD >&3; /usr/bin/head -c 16 <&3 >/dev/null; exit 3", .exited(3), true),
    ])
    func aHelperGoneWrongCostsOneImageInBoundedTime(_ name: String, script: String, expected: IsolatedImageProcessor.Loss, promptly: Bool) throws {
        let image = Self.fixture("x01_wine_stored3837x2560_o6_gps.jpg")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("doorstep-helper-\(UUID().uuidString).sh")
        try Data("#!/bin/sh\n\(script)\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        chmod(file.path, 0o755)
        let losses = Losses()
        let isolated = processor(file.path, losses: losses, slack: .milliseconds(500))
        defer { isolated.shutdown() }
        var limits = ImageLimits()
        limits.decodeBudget = .milliseconds(100)
        let started = ContinuousClock.now
        #expect(throws: DoorstepError.undecodableImage) { try isolated.process(image, limits: limits, output: ImageOutputSpec()) }
        // The wall-time backstop here is 4 × 100 ms + 500 ms: what the checks catch comes well before it.
        let elapsed = ContinuousClock.now - started
        #expect(promptly ? elapsed < .milliseconds(700) : elapsed >= .milliseconds(900) && elapsed < .seconds(3), "\(elapsed)")
        #expect(losses.all == [expected])
        #expect(isolated.idleProcessIDs.isEmpty)
    }

    @Test func aHelperThatCannotStartSaysWhy() {
        let isolated = processor("/bin/false")
        #expect(throws: IsolatedImageProcessor.StartError.self) { try isolated.start() }
        #expect(throws: DoorstepError.overloaded) {
            try isolated.process(Self.fixture("r18_coffee_600x400.png"), limits: ImageLimits(), output: ImageOutputSpec())
        }
        do {
            try isolated.start()
        } catch {
            #expect("\(error)".contains("exited with status 1"), "\(error)")
        }
    }
}
