import DoorstepImaging
import ImagingMeasures
import Foundation
import Synchronization

// The image pipeline alone, in-process: decode (shrink-on-load), auto-rotate, sRGB, 1600 px + 320 px
// JPEG q80, metadata stripped, quality signals.
//   doorstep-pipeline-bench FILE...                 one thread, then one per core, 5 interleaved rounds; medians;
//                                                   each also through decoder helper processes (what the
//                                                   server does), for the cost of isolation
//   doorstep-pipeline-bench --once [--baseline] FILE...
//                                                   one single-thread pass (ours, or vips_thumbnail with
//                                                   --baseline): {"images_per_s": …}; bench/compare_pipelines.py
//                                                   interleaves these with the Pillow-SIMD pipeline
//   doorstep-pipeline-bench --write DIR FILE...     writes our 1600 px output of each file (quality check)
//   --no-redaction, --search-side N                 redaction off, or faces searched at N px (default 1280)
//   doorstep-pipeline-bench --redaction-check FILE[@X,Y,W,H]...
//                                                   per file: faces and people redacted, the share of the labelled face's
//                                                   box that redaction changed (display with vs without), and
//                                                   the milliseconds with and without (bench/calibrate_redaction.py)

struct Arguments {
    var once = false, baseline = false, redactionCheck = false
    var searchSide: Int? = ImageOutputSpec.defaultRedactionSearchSide
    var writeTo: String?
    var files: [String] = []

    init(_ raw: [String]) {
        var rest = raw[...]
        while let next = rest.popFirst() {
            switch next {
            case "--once": once = true
            case "--baseline": baseline = true
            case "--write": writeTo = rest.popFirst()
            case "--no-redaction": searchSide = nil
            case "--search-side": searchSide = rest.popFirst().flatMap { Int($0) }
            case "--redaction-check": redactionCheck = true
            default: files.append(next)
            }
        }
    }
}
// This binary is also its own decoder helper for the isolated measurements.
IsolatedImageProcessor.serveIfAsked()
let parsed = Arguments(Array(CommandLine.arguments.dropFirst()))
let once = parsed.once, baseline = parsed.baseline, writeTo = parsed.writeTo
// A file may carry its labelled face box after "@" (--redaction-check).
let labels = parsed.files.map { $0.split(separator: "@").count == 2 ? $0.split(separator: "@")[1].split(separator: ",").compactMap { Int($0) } : [] }
let files = parsed.files.map { URL(fileURLWithPath: String($0.split(separator: "@")[0])) }
let spec = ImageOutputSpec(redactionSearchSide: parsed.searchSide)
guard !files.isEmpty else {
    FileHandle.standardError.write(Data("usage: doorstep-pipeline-bench [--once [--baseline] | --write DIR] FILE...\n".utf8))
    exit(2)
}
let photos = try files.map { Array(try Data(contentsOf: $0)) }
let inProcess = try VipsImageProcessor()
let isolated = IsolatedImageProcessor(memoryLimitMB: 2048)
nonisolated(unsafe) var processor: any ImageProcessor = inProcess
let thumbnailer = try VipsThumbnailBaseline()
let cores = ProcessInfo.processInfo.activeProcessorCount

@Sendable func run(_ photo: [UInt8]) throws {
    if baseline {
        _ = try thumbnailer.process(photo, output: ImageOutputSpec())
    } else {
        _ = try processor.process(photo, limits: ImageLimits(), output: spec)
    }
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Which photo comes next, and the first failure.
final class Progress: Sendable {
    let state = Mutex<(next: Int, failure: String?)>((0, nil))
}

/// Images per second processing every photo `passes` times on `threads` threads. Several passes on
/// several threads keep the tail short, where one thread idles while the other ends its last photo.
func rate(threads: Int, passes: Int = 1) throws -> Double {
    let progress = Progress()
    let elapsed = seconds {
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            while true {
                let mine = progress.state.withLock { state in
                    defer { state.next += 1 }
                    return state.next
                }
                guard mine < photos.count * passes else { return }
                do {
                    try run(photos[mine % photos.count])
                } catch {
                    progress.state.withLock { $0.failure = $0.failure ?? "\(error)" }
                }
            }
        }
    }
    if let failure = progress.state.withLock({ $0.failure }) { throw PipelineFailure(description: failure) }
    return Double(photos.count * passes) / elapsed
}

struct PipelineFailure: Error, CustomStringConvertible {
    var description: String
}

func printJSON(_ value: [String: Any]) throws {
    print(String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self))
}

if parsed.redactionCheck {
    // Redaction is the only difference between the two displays, so what changed is what it pixelated.
    var rows: [[String: Any]] = []
    var off = spec
    off.redactionSearchSide = nil
    for (index, photo) in photos.enumerated() {
        var with: ProcessedImage?, without: ProcessedImage?
        let onSeconds = try seconds { with = try inProcess.process(photo, limits: ImageLimits(), output: spec) }
        let offSeconds = try seconds { without = try inProcess.process(photo, limits: ImageLimits(), output: off) }
        var row: [String: Any] = ["file": files[index].lastPathComponent, "faces": with!.redaction.faces, "people": with!.redaction.people,
                                  "ms": (onSeconds * 10000).rounded() / 10, "ms_without": (offSeconds * 10000).rounded() / 10]
        if labels[index].count == 4 {
            let a = try inProcess.decodePixels(with!.display.jpeg), b = try inProcess.decodePixels(without!.display.jpeg)
            let box = (x: labels[index][0], y: labels[index][1], width: labels[index][2], height: labels[index][3])
            row["changed"] = (a.changedShare(to: b, in: box) * 1000).rounded() / 1000
        }
        rows.append(row)
    }
    print(String(decoding: try JSONSerialization.data(withJSONObject: rows, options: [.sortedKeys]), as: UTF8.self))
    exit(0)
}

if let folder = writeTo {
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    for (file, photo) in zip(files, photos) {
        let output = try processor.process(photo, limits: ImageLimits(), output: spec)
        try Data(output.display.jpeg).write(to: URL(fileURLWithPath: folder).appendingPathComponent(file.lastPathComponent + ".jpg"))
    }
    exit(0)
}

_ = try rate(threads: 1)  // warm-up
if once {
    try printJSON(["images_per_s": (try rate(threads: 1) * 100).rounded() / 100])
    exit(0)
}
var single: [Double] = [], parallel: [Double] = [], isolatedSingle: [Double] = [], isolatedParallel: [Double] = []
for _ in 0..<5 {
    processor = inProcess
    single.append(try rate(threads: 1))
    parallel.append(try rate(threads: cores, passes: 3))
    processor = isolated
    isolatedSingle.append(try rate(threads: 1))
    isolatedParallel.append(try rate(threads: cores, passes: 3))
}
func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
try printJSON([
    "photos": photos.count, "cores": cores, "rounds": 5,
    "single_thread_images_per_s": (median(single) * 100).rounded() / 100,
    "single_thread_ms_per_image": (1000 / median(single) * 10).rounded() / 10,
    "all_cores_images_per_s": (median(parallel) * 100).rounded() / 100,
    "all_cores_per_core": (median(parallel) / Double(cores) * 100).rounded() / 100,
    "isolated_single_thread_images_per_s": (median(isolatedSingle) * 100).rounded() / 100,
    "isolated_all_cores_images_per_s": (median(isolatedParallel) * 100).rounded() / 100,
    "isolated_vs_in_process_single": rounded(median(isolatedSingle) / median(single)),
    "isolated_vs_in_process_all_cores": rounded(median(isolatedParallel) / median(parallel)),
])
