extension Optional {
    /// `map` with an async transform: `photo.asyncMap { try await vault.read($0) }`.
    public func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
