import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTPTypes
import TollgateBilling

/// One connection's share of ``DebitFastPath``: sits in Hummingbird's HTTP/1 pipeline between the codec
/// (`HTTP1ToHTTPServerCodec`) and Hummingbird's connection handlers, sees request parts inbound and Hummingbird's
/// response parts outbound.
///
/// Per request it either takes the request (buffers its parts until `.end`, submits the debit, writes the
/// response when the engine answers) or passes the parts on to Hummingbird untouched. HTTP/1.1 answers in request
/// order, so:
/// - a request is taken only while no request given to Hummingbird is still being answered
///   (`routerRequestsInFlight == 0`);
/// - a request for Hummingbird that arrives while taken ones are unanswered is held back (with everything after
///   it), and reading from the socket pauses, until those are written; then the held parts are replayed;
/// - taken requests are answered in order: a result that arrives early waits in its slot.
/// Bounds: at most ``slotCountMax`` taken requests unanswered and one socket read of held parts (reading pauses).
final class DebitFastPathHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Taken requests unanswered on one connection before reading pauses (only a pipelining client gets here).
    static let slotCountMax = 256
    /// Held parts beyond which the connection is closed: reading is paused long before, so only one socket
    /// read's worth of tiny pipelined requests could come near it.
    static let heldPartCountMax = 65_536

    private let fastPath: DebitFastPath

    private enum Mode {
        /// Between requests.
        case idle
        /// Buffering a request that may be taken.
        case collecting(HTTPRequest, Principal, body: ByteBuffer?, start: ContinuousClock.Instant)
        /// Passing the rest of a request on to Hummingbird.
        case passing
    }

    private var mode = Mode.idle
    /// The connection's last authenticated key.
    private var principals = PrincipalCache()
    /// Taken requests in request order, answered or not; written from the front as they are answered.
    private var slots = OrderedAnswers<(HTTPResponse, ByteBuffer)>()
    /// Requests passed to Hummingbird whose response's `.end` has not been written yet.
    private var routerRequestsInFlight = 0
    /// Parts of requests held back while taken requests are unanswered (see the type's comment).
    private var held: [HTTPRequestPart] = []
    private var readPending = false
    private var quiescePending = false
    private var inputClosedPending = false
    /// An error (an HTTP parse error) that waits for the taken requests before it: Hummingbird answers it with a
    /// 400 and closes, which must not overtake their answers.
    private var errorPending: (any Error)?
    private var context: ChannelHandlerContext?
    /// The connection's event loop's mailbox for engine results (see ``EventLoopMailbox``).
    private var mailbox: EventLoopMailbox?

    init(fastPath: DebitFastPath) {
        self.fastPath = fastPath
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        mailbox = fastPath.mailboxes.mailbox(for: context.eventLoop)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if !held.isEmpty {
            hold(part, context: context)
            return
        }
        process(part, context: context)
    }

    private func process(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        switch mode {
        case .idle:
            guard case .head(let head) = part else {
                // Not a request boundary: Hummingbird reports the protocol error.
                pass(part, context: context)
                return
            }
            if routerRequestsInFlight == 0, let principal = fastPath.accepts(head, principals: &principals) {
                mode = .collecting(head, principal, body: nil, start: .now)
            } else {
                delegate([part], context: context)
            }
        case .collecting(let head, let principal, var body, let start):
            switch part {
            case .head:
                // NIO's codec never sends one; should it, close rather than guess (no trap on client input).
                assertionFailure("a request head inside a request")
                mode = .idle
                context.close(promise: nil)
            case .body(var chunk):
                let sizeBytes = (body?.readableBytes ?? 0) + chunk.readableBytes
                if sizeBytes > fastPath.bodySizeBytesMax {
                    // The router answers 413.
                    var parts: [HTTPRequestPart] = [.head(head)]
                    if let body { parts.append(.body(body)) }
                    parts.append(part)
                    mode = .idle
                    delegate(parts, context: context)
                    return
                }
                if body == nil {
                    body = chunk
                } else {
                    body!.writeBuffer(&chunk)
                }
                mode = .collecting(head, principal, body: body, start: start)
            case .end(let trailers):
                mode = .idle
                take(head: head, principal: principal, body: body, trailers: trailers, start: start, context: context)
            }
        case .passing:
            pass(part, context: context)
        }
    }

    private func take(
        head: HTTPRequest, principal: Principal, body: ByteBuffer?, trailers: HTTPFields?,
        start: ContinuousClock.Instant, context: ChannelHandlerContext
    ) {
        let admission = fastPath.admit(
            head: DebitFastPath.Head(head.headerFields), body: body, principal: principal, channel: context.channel,
            start: start)
        switch admission {
        case .delegate:
            var parts: [HTTPRequestPart] = [.head(head)]
            if let body { parts.append(.body(body)) }
            parts.append(.end(trailers))
            delegate(parts, context: context)
        case .answered(let response, let buffer):
            slots.append((response, buffer))
            writeAnswered(context: context)
        case .submit(let command, let contexts):
            let slotID = slots.reserve()
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            let mailbox = mailbox ?? fastPath.mailboxes.mailbox(for: context.eventLoop)
            let fastPath = fastPath
            fastPath.backend.submit(command) { outcome in
                mailbox.post {
                    let answer = fastPath.response(to: command, outcome: outcome, contexts: contexts)
                    loopBound.value.answer(slotID: slotID, with: answer)
                }
            }
        }
    }

    /// Called on the event loop with a taken request's response.
    private func answer(slotID: UInt64, with answer: (HTTPResponse, ByteBuffer)) {
        slots.fill(slotID, with: answer)
        guard let context else { return }  // the connection is gone; the debit stands, as on the router
        writeAnswered(context: context)
    }

    /// Writes the answered slots at the front, in order; then replays held parts once none is unanswered.
    private func writeAnswered(context: ChannelHandlerContext) {
        var written = 0
        while let (response, buffer) = slots.popReady() {
            context.write(wrapOutboundOut(.head(response)), promise: nil)
            context.write(wrapOutboundOut(.body(buffer)), promise: nil)
            context.write(wrapOutboundOut(.end(nil)), promise: nil)
            written += 1
        }
        if written > 0 { context.flush() }
        guard slots.isEmpty else { return }
        if !held.isEmpty {
            let replay = held
            held = []
            for part in replay {
                if held.isEmpty { process(part, context: context) } else { held.append(part) }
            }
            // Outside a read cycle: Hummingbird's inbound stream hands on what it got at read-complete.
            context.fireChannelReadComplete()
        }
        resumeIfIdle(context: context)
    }

    /// Hands a request (its parts so far) to Hummingbird, or holds it while taken requests are unanswered.
    private func delegate(_ parts: [HTTPRequestPart], context: ChannelHandlerContext) {
        guard slots.isEmpty else {
            for part in parts { hold(part, context: context) }
            return
        }
        routerRequestsInFlight += 1
        for part in parts { pass(part, context: context) }
    }

    private func pass(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head: mode = .passing
        case .body: break
        case .end: mode = .idle
        }
        context.fireChannelRead(wrapInboundOut(part))
    }

    private func hold(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        guard held.count < Self.heldPartCountMax else {
            context.close(promise: nil)
            return
        }
        held.append(part)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Graceful shutdown: Hummingbird's connection handler closes an idle connection at once, and it does not
        // see taken requests; so the event waits until they are answered.
        if event is ChannelShouldQuiesceEvent, !isIdle {
            quiescePending = true
            return
        }
        // The client closed its sending side (half-close; Hummingbird allows it): Hummingbird ends the connection
        // when its request stream ends, which must not cut off the answers owed for taken requests.
        if let channelEvent = event as? ChannelEvent, channelEvent == .inputClosed, !isIdle {
            inputClosedPending = true
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A request being collected is abandoned with the connection; only answers owed must go first.
        guard slots.isEmpty, held.isEmpty else {
            if errorPending == nil { errorPending = error }
            return
        }
        context.fireErrorCaught(error)
    }

    private var isIdle: Bool {
        guard slots.isEmpty, held.isEmpty else { return false }
        if case .collecting = mode { return false }
        return true
    }

    private func resumeIfIdle(context: ChannelHandlerContext) {
        if readPending, held.isEmpty, slots.count < Self.slotCountMax {
            readPending = false
            context.read()
        }
        if let error = errorPending, slots.isEmpty, held.isEmpty {
            errorPending = nil
            context.fireErrorCaught(error)
        }
        if inputClosedPending, isIdle {
            inputClosedPending = false
            context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        }
        if quiescePending, isIdle {
            quiescePending = false
            context.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
    }

    // MARK: Outbound

    func read(context: ChannelHandlerContext) {
        guard held.isEmpty, slots.count < Self.slotCountMax else {
            readPending = true
            return
        }
        context.read()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Hummingbird's 400 for a parse error answers no request passed on (and closes the connection).
        if case .end = unwrapOutboundIn(data), routerRequestsInFlight > 0 {
            routerRequestsInFlight -= 1
        }
        context.write(data, promise: promise)
    }
}
