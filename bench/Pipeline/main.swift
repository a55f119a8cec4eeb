import DoorstepImaging
import Foundation
import Synchronization

// The image pipeline alone, in-process, on the benchmark set: decode (shrink-on-load), auto-rotate,
// sRGB, 1600 px + 320 px JPEG q80, metadata stripped, mean brightness. One thread, then one per
// core, 5 interleaved rounds; medians. Usage: doorstep-pipeline-bench FILE... (bench/run passes the set).

let files = CommandLine.arguments.dropFirst().map { URL(fileURLWithPath: $0) }
guard !files.isEmpty else {
    FileHandle.standardError.write(Data("usage: doorstep-pipeline-bench FILE...\n".utf8))
    exit(2)
}
let photos = try files.map { Array(try Data(contentsOf: $0)) }
let processor = try VipsImageProcessor()
let cores = ProcessInfo.processInfo.activeProcessorCount

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Which photo comes next, and the first failure.
final class Progress: Sendable {
    let state = Mutex<(next: Int, failure: String?)>((0, nil))
}

/// Images per second processing every photo once on `threads` threads.
func rate(threads: Int) throws -> Double {
    let progress = Progress()
    let elapsed = seconds {
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            while true {
                let mine = progress.state.withLock { state in
                    defer { state.next += 1 }
                    return state.next
                }
                guard mine < photos.count else { return }
                do {
                    _ = try processor.process(photos[mine], limits: ImageLimits(), output: ImageOutputSpec())
                } catch {
                    progress.state.withLock { $0.failure = $0.failure ?? "\(error)" }
                }
            }
        }
    }
    if let failure = progress.state.withLock({ $0.failure }) { throw PipelineFailure(description: failure) }
    return Double(photos.count) / elapsed
}

struct PipelineFailure: Error, CustomStringConvertible {
    var description: String
}

_ = try rate(threads: 1)  // warm-up
var single: [Double] = [], parallel: [Double] = []
for _ in 0..<5 {
    single.append(try rate(threads: 1))
    parallel.append(try rate(threads: cores))
}
func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
let report: [String: Any] = [
    "photos": photos.count, "cores": cores, "rounds": 5,
    "single_thread_images_per_s": (median(single) * 100).rounded() / 100,
    "single_thread_ms_per_image": (1000 / median(single) * 10).rounded() / 10,
    "all_cores_images_per_s": (median(parallel) * 100).rounded() / 100,
    "all_cores_per_core": (median(parallel) / Double(cores) * 100).rounded() / 100,
]
print(String(decoding: try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self))
