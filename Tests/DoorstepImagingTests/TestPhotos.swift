import Foundation

/// Test photos: the full corpus in ../shared/photos when it is beside the repository (the
/// developers' machines and CI), else the small subset copied into Tests/Fixtures/photos.
enum TestPhotos {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = repositoryRoot.appendingPathComponent("Tests/Fixtures/photos")
    static let shared = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/photos")
    static var hasShared: Bool { FileManager.default.fileExists(atPath: shared.appendingPathComponent("bad/MANIFEST.tsv").path) }

    struct Entry: Sendable, CustomTestStringConvertible {
        var url: URL
        var expect: String  // accept, reject, either
        var orientation: String
        var testDescription: String { url.lastPathComponent }
        var name: String { url.lastPathComponent }
        var bytes: [UInt8] { Array(FileManager.default.contents(atPath: url.path) ?? Data()) }
    }

    /// Every manifest entry available, corpus photos counting as `accept`.
    static let all: [Entry] = {
        if !hasShared {
            FileHandle.standardError.write(Data("test photos: \(shared.path) is absent; using the subset in Tests/Fixtures/photos\n".utf8))
        }
        let folders = hasShared ? [shared.appendingPathComponent("corpus"), shared.appendingPathComponent("bad")] : [fixtures]
        return folders.flatMap(entries(in:)).sorted { $0.name < $1.name }
    }()

    static func named(_ name: String) -> Entry? { all.first { $0.name == name } }

    static func entries(in folder: URL) -> [Entry] {
        guard let text = try? String(contentsOf: folder.appendingPathComponent("MANIFEST.tsv"), encoding: .utf8) else { return [] }
        var lines = text.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        let header = lines.removeFirst()
        let expectColumn = header.firstIndex(of: "expect")
        let orientationColumn = header.firstIndex(of: "orientation")
        return lines.compactMap { row in
            guard let name = row.first, !name.isEmpty else { return nil }
            let url = folder.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else { return nil }
            let expect = expectColumn.flatMap { $0 < row.count && !row[$0].isEmpty ? row[$0] : nil } ?? "accept"
            let orientation = orientationColumn.flatMap { $0 < row.count ? row[$0] : nil } ?? "-"
            return Entry(url: url, expect: expect, orientation: orientation)
        }
    }
}

import Testing
