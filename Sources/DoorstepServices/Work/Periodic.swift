import Foundation
import Logging
import ServiceLifecycle

/// The loop of a background service that works in passes (the sweepers): a pass at once, then
/// one every `interval`, until the service group shuts down. A failed pass is logged and the
/// next one runs on time: a database blip must not end the sweeping for good.
enum Periodic {
    static func run(every interval: TimeInterval, logger: Logger, failure: Logger.Message, _ pass: () async throws -> Void) async {
        while !Task.isCancelledOrShuttingDown {
            do {
                try await pass()
            } catch {
                logger.error(failure, metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(interval)) }
        }
    }
}

extension Task where Success == Never, Failure == Never {
    static var isCancelledOrShuttingDown: Bool {
        Task.isCancelled || Task.isShuttingDownGracefully
    }
}
