import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1 child channel with the debit fast path's byte-level front (``DebitFastPathFront``) as the
/// first handler of each connection: setup is `HTTP1Channel`'s, then the front goes in before NIO's codec; the
/// connection's requests are handled by `HTTP1Channel` as ever (only what the front hands on reaches it).
struct DebitFastPathChannel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let inner: HTTP1Channel
    let fastPath: DebitFastPath

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let headSizeBytesMax = inner.configuration.httpDecoder.maxHeaderListSize
        let fastPath = fastPath
        return inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            try channel.pipeline.syncOperations.addHandler(
                DebitFastPathFront(fastPath: fastPath, headSizeBytesMax: headSizeBytesMax), position: .first)
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}
