import DoorstepServices
import NIOCore

/// Closes a new connection at once when its address already has `ConnectionCounter.maxPerAddress`
/// open; otherwise counts it until it closes. One per connection, in Hummingbird's pipeline.
final class ConnectionCapHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    private let counter: ConnectionCounter
    private let metrics: AppMetrics
    private var counted: IPAddress?

    init(counter: ConnectionCounter, metrics: AppMetrics) {
        self.counter = counter
        self.metrics = metrics
    }

    func channelActive(context: ChannelHandlerContext) {
        guard let text = context.channel.remoteAddress?.ipAddress, let address = IPAddress(literal: text) else {
            context.fireChannelActive()
            return
        }
        guard counter.open(address) else {
            metrics.connectionRefused()
            context.close(promise: nil)
            return
        }
        counted = address
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    /// Taken out of the pipeline while the connection lives on (an upgrade): its count goes too.
    func handlerRemoved(context: ChannelHandlerContext) {
        release()
    }

    private func release() {
        if let counted { counter.close(counted) }
        counted = nil
    }
}
