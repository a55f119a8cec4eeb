import DoorstepCore
import DoorstepImaging
import Foundation
import Testing

@testable import DoorstepServices

@Suite struct ImageWorkerPoolTests {
    @Test func pastItsQueueThePoolRefusesAtOnceInsteadOfPilingUp() async throws {
        let photo = fixture("x01_wine_stored3837x2560_o6_gps.jpg")
        let pool = ImageWorkerPool(processor: try VipsImageProcessor(), workers: 1, maxQueued: 1)
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    do {
                        _ = try await pool.process(photo, limits: ImageLimits(), output: ImageOutputSpec())
                        return true
                    } catch {
                        #expect(error as? DoorstepError == .overloaded)
                        return false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        try await pool.shutdown()
        // One running and one waiting are admitted; the rest are told to come back later.
        #expect(outcomes.filter { $0 }.count >= 2)
        #expect(outcomes.filter { !$0 }.count >= 1)
    }
}

/// A photo from Tests/Fixtures/photos.
private func fixture(_ name: String) -> [UInt8] {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    return Array(FileManager.default.contents(atPath: root.appendingPathComponent("Fixtures/photos/\(name)").path) ?? Data())
}
