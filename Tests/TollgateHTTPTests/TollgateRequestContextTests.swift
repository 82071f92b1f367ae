import Hummingbird
import Logging
import NIOEmbedded
import Synchronization
import Testing

@testable import TollgateHTTP

/// The debit fast path's contexts carry Hummingbird's `hb.request.id` without setting it on a per-request logger:
/// a line that is logged still has it, beside the correlation id; a line below the level costs nothing.
@Suite struct TollgateRequestContextTests {
    final class Recorder: LogHandler, @unchecked Sendable {
        let lines = Mutex<[Logger.Metadata]>([])
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { _, explicit in explicit }
            lines.withLock { $0.append(merged) }
        }
    }

    @Test func aDeferredHummingbirdRequestIDIsOnEveryLoggedLineOnly() {
        let recorder = Recorder()
        var logger = Logger(label: "context-test") { _ in recorder }
        logger.logLevel = .info
        var context = TollgateRequestContext(
            source: ApplicationRequestContextSource(channel: EmbeddedChannel(), logger: logger))
        context.requestID = "r-1"
        let hummingbirdID = RequestID()
        context.deferredHummingbirdRequestID = hummingbirdID
        context.log(.debug, "below the level")
        context.log(.error, "logged")
        let lines = recorder.lines.withLock { $0 }
        #expect(lines.count == 1)
        #expect(lines.first?["hb.request.id"]?.description == hummingbirdID.description)
        #expect(lines.first?["request_id"]?.description == "r-1")
    }
}
