/// Runs work that must finish within a time limit, cancelling it when the limit passes.
enum Deadline {
    struct Passed: Error {}

    static func run<T: Sendable>(after limit: Duration, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw Passed()
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw Passed() }
            return first
        }
    }
}
