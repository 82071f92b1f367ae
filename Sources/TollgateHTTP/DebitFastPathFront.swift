import HTTPTypes
import NIOCore
import TollgateBilling

/// The debit fast path in front of NIO's HTTP/1 codec: the first handler of a connection's pipeline, on raw bytes.
///
/// ``DebitFastPathHandler`` sits after the codec, so each debit it takes still pays NIO's parser (llhttp, then an
/// `HTTPRequestHead` turned into an `HTTPRequest`) and, for its answer, the reverse conversion and the encoder's
/// three writes. This handler reads plain debits itself (``PlainDebitRequest``), hands them to ``DebitFastPath``
/// exactly as the post-codec handler does, and answers each with one buffer (``HTTP1ResponseBytes``).
///
/// A connection starts in front mode. On its first request that is not a plain fast debit — another route, a
/// request NIO's parser would treat differently (chunked, `Expect`, HTTP/1.0, a repeated header, garbage), a
/// key that is not a service key, a body the route refuses — the connection switches to pass-through for good:
/// once the answers owed for the debits taken before it are written, that request's bytes and everything after
/// them go to the codec untouched, and from then on the connection is Hummingbird's (with the post-codec handler
/// still taking its plain debits). So anything unusual is answered by NIO and the router, never guessed here.
///
/// Order and bounds: answers leave in request order (slots, as in the post-codec handler); at most
/// ``slotCountMax`` debits wait for the engine before socket reads pause; while switching, reads pause and what was
/// read is held (at most ``heldSizeBytesMax``, else the connection closes).
final class DebitFastPathFront: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    static let slotCountMax = DebitFastPathHandler.slotCountMax

    private let fastPath: DebitFastPath
    /// A request head longer than this is not plain (NIO's decoder, with Hummingbird's limits, reads it instead).
    private let headSizeBytesMax: Int
    /// Bytes held while switching to pass-through: a request at its limits plus one more socket read.
    private let heldSizeBytesMax: Int

    private enum Mode {
        /// Reading plain debits itself.
        case front
        /// A request that is not a plain debit was read: waiting for the answers owed before handing on the bytes.
        case switching
        /// Everything goes to NIO's codec and back untouched.
        case passThrough
    }

    private var mode = Mode.front
    /// Bytes read and not yet taken: the start of a request (front), or the bytes to hand on (switching).
    private var pending: ByteBuffer?
    private var slots = OrderedAnswers<ByteBuffer>()
    private var principals = PrincipalCache()
    private var readPending = false
    private var quiescePending = false
    private var inputClosedPending = false
    private var context: ChannelHandlerContext?
    private var mailbox: EventLoopMailbox?

    init(fastPath: DebitFastPath, headSizeBytesMax: Int) {
        self.fastPath = fastPath
        self.headSizeBytesMax = headSizeBytesMax
        self.heldSizeBytesMax = headSizeBytesMax + fastPath.bodySizeBytesMax + (1 << 20)
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
        switch mode {
        case .passThrough:
            context.fireChannelRead(data)
        case .switching:
            var bytes = unwrapInboundIn(data)
            append(&bytes)
            if pending!.readableBytes > heldSizeBytesMax { context.close(promise: nil) }
        case .front:
            var bytes = unwrapInboundIn(data)
            append(&bytes)
            takePlainRequests(context: context)
            writeAnswered(context: context)
        }
    }

    private func append(_ bytes: inout ByteBuffer) {
        if pending == nil {
            pending = bytes  // the common case: whole requests in one read, no copy
        } else {
            // The start of a request waits: drop what was taken before it, so the buffer holds one request's bytes.
            pending!.discardReadBytes()
            pending!.writeBuffer(&bytes)
        }
    }

    /// Takes every whole plain debit at the front of `pending`; stops at an incomplete one, or switches at the first
    /// request that is not one.
    private func takePlainRequests(context: ChannelHandlerContext) {
        while mode == .front, var bytes = pending, bytes.readableBytes > 0 {
            let outcome = bytes.withUnsafeReadableBytes { raw in
                PlainDebitRequest.parse(
                    raw, headSizeBytesMax: headSizeBytesMax, bodySizeBytesMax: fastPath.bodySizeBytesMax)
            }
            switch outcome {
            case .incomplete:
                return
            case .notPlain:
                mode = .switching
            case .request(let head, let headSizeBytes, let bodySizeBytes):
                let start = ContinuousClock.now
                guard let principal = fastPath.accepts(head, principals: &principals) else {
                    mode = .switching
                    break
                }
                let body = bytes.getSlice(at: bytes.readerIndex + headSizeBytes, length: bodySizeBytes)
                let admission = fastPath.admit(
                    head: head, body: body, principal: principal, channel: context.channel, start: start)
                switch admission {
                case .delegate:
                    mode = .switching
                case .answered(let response, let body):
                    bytes.moveReaderIndex(forwardBy: headSizeBytes + bodySizeBytes)
                    pending = Self.unread(bytes)
                    fastPath.frontTakenCount.increment()
                    let answer = HTTP1ResponseBytes.render(response, body: body, allocator: context.channel.allocator)
                    slots.append(answer)
                case .submit(let command, let contexts):
                    bytes.moveReaderIndex(forwardBy: headSizeBytes + bodySizeBytes)
                    pending = Self.unread(bytes)
                    fastPath.frontTakenCount.increment()
                    submit(command, contexts: contexts, context: context)
                }
            }
        }
    }

    /// What is left of a read, or nil: holding on to an emptied read buffer kept NIO's pooled receive buffers from
    /// being reused (4.7 % of a debit's server CPU went to the pool looking for a free one).
    private static func unread(_ bytes: ByteBuffer) -> ByteBuffer? {
        bytes.readableBytes > 0 ? bytes : nil
    }

    private func submit(_ command: Command, contexts: DebitFastPath.Contexts, context: ChannelHandlerContext) {
        let slotID = slots.reserve()
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let mailbox = mailbox ?? fastPath.mailboxes.mailbox(for: context.eventLoop)
        let fastPath = fastPath
        let allocator = context.channel.allocator
        fastPath.backend.submit(command) { outcome in
            mailbox.post {
                let answer = fastPath.responseBytes(
                    to: command, outcome: outcome, contexts: contexts, allocator: allocator)
                loopBound.value.answer(slotID: slotID, with: answer)
            }
        }
    }

    /// Called on the event loop with a taken request's response.
    private func answer(slotID: UInt64, with answer: ByteBuffer) {
        slots.fill(slotID, with: answer)
        guard let context else { return }  // the connection is gone; the debit stands, as on the router
        writeAnswered(context: context)
    }

    /// Writes the answered slots at the front, in order; then, with none owed, switches if a switch waits.
    private func writeAnswered(context: ChannelHandlerContext) {
        var written = 0
        while let answer = slots.popReady() {
            context.write(wrapOutboundOut(.byteBuffer(answer)), promise: nil)
            written += 1
        }
        if written > 0 { context.flush() }
        guard slots.isEmpty else { return }
        if mode == .switching {
            mode = .passThrough
            if let held = pending, held.readableBytes > 0 {
                pending = nil
                context.fireChannelRead(wrapInboundOut(held))
                context.fireChannelReadComplete()
            }
            pending = nil
        }
        if inputClosedPending {
            inputClosedPending = false
            context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        }
        if quiescePending {
            quiescePending = false
            context.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        if readPending, mode != .switching {
            readPending = false
            context.read()
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // In front mode nothing was passed on, so there is nothing for the codec to complete.
        if mode == .passThrough { context.fireChannelReadComplete() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard mode != .passThrough else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        // Graceful shutdown: Hummingbird closes a connection it thinks idle, and it does not see the debits taken
        // here; so the event waits until their answers are written (and, when switching, the held bytes passed).
        if event is ChannelShouldQuiesceEvent, !slots.isEmpty || mode == .switching {
            quiescePending = true
            return
        }
        // The client closed its sending side (half-close; Hummingbird allows it): Hummingbird ends the connection
        // when its request stream ends, which must not cut off the answers owed for debits taken here. The start
        // of a request left unread goes to the codec, which reports it as it would without the front.
        if let channelEvent = event as? ChannelEvent, channelEvent == .inputClosed {
            if mode == .front, let pending, pending.readableBytes > 0 { mode = .switching }
            if !slots.isEmpty || mode == .switching {
                inputClosedPending = true
                writeAnswered(context: context)
                return
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: Outbound

    func read(context: ChannelHandlerContext) {
        guard mode != .switching, slots.count < Self.slotCountMax else {
            readPending = true
            return
        }
        context.read()
    }
}
