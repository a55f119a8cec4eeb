import CVips
import DoorstepCore
import Foundation
import Synchronization

/// The same pipeline as `VipsImageProcessor`, run in helper processes (Sources/CVips/helper.c):
/// a decoder that crashes, aborts, or spends its CPU budget inside one call costs that upload a
/// 422 and the helper its life; the server carries on, and the next job gets a fresh helper.
/// Helpers are copies of the running binary started with `argument` (see `serveIfAsked`), so
/// they always match the server's version, and there is nothing else to install.
///
/// Each helper does one job at a time; there are as many as callers at once (the image worker
/// threads). Calls block: run them on the worker pool.
public final class IsolatedImageProcessor: ImageProcessor {
    /// The argument that makes a binary a decoder helper.
    public static let argument = "--doorstep-decoder-helper"
    /// Address space a helper may use by default: a 60 MP image decodes well within it.
    public static let defaultMemoryLimitMB = 2048

    /// How a helper ended, for the log and metrics (never anything about the image).
    public enum Loss: Sendable, Equatable, CustomStringConvertible {
        /// Ended by a signal: SIGXCPU is its CPU budget, SIGKILL the server stopping it (no answer
        /// in time, or an answer that made no sense), others a decoder bug (SIGSEGV, SIGABRT, …).
        case signal(Int32)
        case exited(Int32)

        /// A short name for metrics.
        public var cause: String {
            switch self {
            case .signal(SIGXCPU): "cpu_budget"
            case .signal(SIGKILL): "stopped"
            case .signal: "crashed"
            case .exited: "exited"
            }
        }

        public var description: String {
            switch self {
            case .signal(SIGXCPU): "spent its CPU budget"
            case .signal(SIGKILL): "stopped: no answer in time, or one that made no sense"
            case .signal(let number): "ended by signal \(number)"
            case .exited(let code): "exited with status \(code)"
            }
        }

        /// From a waitpid status of a process that ended (WIFSIGNALED, WTERMSIG, WEXITSTATUS are
        /// macros Swift does not import; stopped or continued statuses never reach here, as the
        /// helper is reaped without WUNTRACED).
        init(wait status: Int32) {
            let low = status & 0x7F
            self = low == 0 ? .exited((status >> 8) & 0xFF) : .signal(low)
        }
    }

    private let command: [String]
    private let jobsPerHelper: Int
    private let wallSlack: Duration
    private let onLoss: @Sendable (Loss) -> Void
    private let onStartFailure: @Sendable (StartError) -> Void
    private let idle = Mutex<[dsv_helper]>([])

    /// - Parameters:
    ///   - executable: a binary that calls `serveIfAsked` first thing (the running one by default).
    ///   - memoryLimitMB: each helper's address-space limit.
    ///   - jobsPerHelper: a helper is retired after this many jobs.
    ///   - wallSlack: wall time a job may take beyond four times its CPU budget before its helper
    ///     is stopped (a backstop for a helper stuck without using CPU).
    public init(executable: String = "/proc/self/exe", memoryLimitMB: Int, jobsPerHelper: Int = 500,
                wallSlack: Duration = .seconds(5), onLoss: @escaping @Sendable (Loss) -> Void = { _ in },
                onStartFailure: @escaping @Sendable (StartError) -> Void = { _ in }) {
        self.command = [executable, Self.argument, String(memoryLimitMB)]
        self.jobsPerHelper = jobsPerHelper
        self.wallSlack = wallSlack
        self.onLoss = onLoss
        self.onStartFailure = onStartFailure
    }

    /// Call first thing in `main`: when this process was started as a helper, it serves jobs
    /// and never returns.
    public static func serveIfAsked(_ arguments: [String] = CommandLine.arguments) {
        guard arguments.count == 3, arguments[1] == argument, let memory = Int32(arguments[2]) else { return }
        // Before the sandbox: it refuses the files and memory maps a model load may need. A
        // helper that cannot search for faces never starts (the server says why at start-up).
        do { try FaceModel.load() } catch { exit(74) }
        dsv_helper_serve(memory)
    }

    public func process(_ bytes: [UInt8], limits: ImageLimits, output spec: ImageOutputSpec) throws(DoorstepError) -> ProcessedImage {
        guard bytes.count <= limits.maxBytes else { throw .payloadTooLarge(limit: limits.maxBytes) }
        guard let format = ImageFormat(sniffing: bytes) else { throw .unsupportedMediaType }
        var helper = try checkOut()
        var job = dsv_job(format: format.cFormat, max_pixels: Int64(limits.maxPixels), display_max: Int32(spec.displayMaxSide),
                          thumbnail_max: Int32(spec.thumbnailMaxSide), quality: Int32(spec.quality),
                          detect_max: spec.cRedactionSearchSide, budget_ms: limits.budgetMilliseconds)
        var raw = dsv_header()
        var out = dsv_output()
        var status: Int32 = 0
        // Wall time is only a backstop (the helper bounds its own CPU time): four budgets and the
        // slack leave room for a busy machine, and still end a helper stuck without using CPU.
        let timeout = Int32(min(Int(job.budget_ms) * 4 + Int(wallSlack / .milliseconds(1)), Int(Int32.max)))
        let result = bytes.withUnsafeBytes { buffer in
            dsv_helper_run(&helper, &job, buffer.baseAddress, buffer.count, timeout, &raw, &out, &status)
        }
        switch result {
        case DSV_JOB_DONE:
            checkIn(helper)
            return ProcessedImage(header: ImageHeader(format: format, raw: raw), searched: spec.searchesForFaces, taking: &out)
        case DSV_JOB_TOO_MANY_PIXELS:
            checkIn(helper)
            throw .tooManyPixels(limit: limits.maxPixels)
        case DSV_JOB_UNDECODABLE:
            checkIn(helper)
            throw .undecodableImage
        case DSV_JOB_NO_MEMORY:
            // The server itself is short of memory: a retry later, never the photo's fault.
            checkIn(helper)
            throw .overloaded
        default:
            onLoss(Loss(wait: status))
            throw .undecodableImage
        }
    }

    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts one helper now, so a machine where helpers cannot run (no seccomp, a binary that is
    /// not ours) is found when the server starts, with the reason, rather than by every upload.
    public func start() throws {
        checkIn(try spawn())
    }

    /// Process ids of the helpers waiting for work (for diagnostics and tests).
    public var idleProcessIDs: [Int32] { idle.withLock { $0.map(\.pid) } }

    /// Stops every idle helper. One at work when this runs goes back to the idle list after its
    /// job and is stopped when the processor goes (`deinit`).
    public func shutdown() {
        var helpers = idle.withLock { helpers in
            defer { helpers.removeAll() }
            return helpers
        }
        for index in helpers.indices { dsv_helper_stop(&helpers[index]) }
    }

    deinit { shutdown() }

    private func checkOut() throws(DoorstepError) -> dsv_helper {
        while var helper = idle.withLock({ $0.popLast() }) {
            // One that died while idle (the OOM killer, an operator) is replaced, not blamed on this upload.
            if dsv_helper_exited(&helper) == 0 { return helper }
        }
        do {
            return try spawn()
        } catch {
            // Out of processes or descriptors: a moment's overload, not the photo's fault. Said
            // where an operator sees it, since every upload fails alike until it is mended.
            onStartFailure(error)
            throw .overloaded
        }
    }

    /// Helpers that may be starting at once in this process, one a core, shared by every
    /// processor in it (tests run many servers in one process). A start is CPU work (loading the
    /// binary and the detection models, 0.2–0.4 s of one core measured): a burst of them started
    /// together shares the cores and every one misses its deadline, where taking turns lets each
    /// finish in its own time. A caller waits here blocked: call from the worker threads.
    private static let starting = DispatchSemaphore(value: max(1, ProcessInfo.processInfo.activeProcessorCount))

    private func spawn() throws(StartError) -> dsv_helper {
        Self.starting.wait()
        defer { Self.starting.signal() }
        var helper = dsv_helper()
        var message = [CChar](repeating: 0, count: 512)
        let started = command.withCStrings { argv in dsv_helper_start(argv, &helper, &message, message.count) }
        guard started == 0 else {
            throw StartError(description: String(decoding: message.prefix { $0 != 0 }.map(UInt8.init), as: UTF8.self))
        }
        return helper
    }

    private func checkIn(_ helper: dsv_helper) {
        var helper = helper
        guard helper.jobs < jobsPerHelper else { return dsv_helper_stop(&helper) }
        idle.withLock { $0.append(helper) }
    }
}

extension Array where Element == String {
    /// A NULL-terminated `char *argv[]` for the duration of `body`.
    fileprivate func withCStrings<R>(_ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let copies = map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
