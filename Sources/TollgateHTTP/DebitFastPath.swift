import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization
import TollgateBilling

/// `POST /api/v1/debits` answered on the connection's event loop, without Hummingbird's per-request task.
///
/// A debit through the router crosses three or four threads (event loop → connection task → engine writer →
/// cooperative pool → event loop) and most of its server CPU is that plumbing, not billing. The plain happy case
/// of the hottest route — a well-formed debit from a valid service key — is taken here instead by
/// ``DebitFastPathHandler``, which sits in Hummingbird's own channel pipeline after the HTTP codec: the request
/// goes from the event loop to the engine's writer (``BillingBackend/submit(_:completion:)``) and its response
/// from the writer straight back to the event loop.
///
/// Everything else goes to the router unchanged, so there it is the same code as ever. What is taken is rendered
/// by the router's own pieces — ``CorrelationMiddleware`` (request id, error rendering, request metric and log
/// line), ``ServiceRoutes`` (body grammar and the per-user charge limit), ``WritePath`` (decision metrics,
/// status mapping, 503 on a failed submit) — so a response is byte-identical to the router's (docs/http-api.md,
/// "The debit fast path").
struct DebitFastPath: Sendable {
    typealias Context = TollgateRequestContext

    static let path = "/api/v1/debits"
    /// The router's name of the route, for the request metric (`route="/api/v1/debits"`).
    static let routeTemplate = "/api/v1/debits"

    let keys: APIKeyRing
    let correlation: CorrelationMiddleware
    let serviceRoutes: ServiceRoutes
    let backend: any BillingBackend
    /// The `Server` header Hummingbird adds to its responses (`ApplicationConfiguration.serverName`).
    let serverName: String?
    /// Hummingbird's application logger, which the router's requests log through.
    let logger: Logger
    /// Requests taken (answered here, not by the router): for tests and for an operator's curiosity.
    let takenCount = TakenCount()
    /// Of those, the requests the byte-level front took (``DebitFastPathFront``), before NIO's HTTP parser.
    let frontTakenCount = TakenCount()
    /// Where the engine's results are posted for each event loop.
    let mailboxes = EventLoopMailbox.Registry()

    final class TakenCount: Sendable {
        private let count = Atomic<Int>(0)
        var value: Int { count.load(ordering: .relaxed) }
        func increment() { count.add(1, ordering: .relaxed) }
    }

    /// Bodies larger than this go to the router (which answers 413).
    var bodySizeBytesMax: Int { correlation.bodySizeBytesMax }

    /// What the fast path reads of a request head: the few headers the route and its middleware look at. Built
    /// from NIO's parsed head (``DebitFastPathHandler``) or from the raw bytes (``DebitFastPathFront``).
    struct Head: Equatable {
        var contentType: String?
        var contentLengthBytes: Int?
        var connection: String?
        var hasExpect = false
        var authorization: String?
        var apiKey: String?
        var requestID: String?
        var idempotencyKey: String?

        init() {}

        init(_ fields: HTTPFields) {
            contentType = fields[.contentType]
            if let length = fields[.contentLength] {
                // An unparsable length is never a fast debit: -1 fails the limit check below.
                contentLengthBytes = Int(length) ?? -1
            }
            connection = fields[.connection]
            hasExpect = fields[.expect] != nil
            authorization = fields[.authorization]
            apiKey = fields[.apiKey]
            requestID = fields[.requestID]
            idempotencyKey = fields[.idempotencyKey]
        }
    }

    /// A request head that may be a fast debit: POST to the exact path, a JSON content type, no declared body over
    /// the limit, no `Connection` or `Expect` negotiation, and a valid service key. Anything else (including
    /// every error that only the router phrases) goes to the router.
    ///
    /// `principals` is the connection's cache of its last key (``PrincipalCache``).
    func accepts(_ request: HTTPRequest, principals: inout PrincipalCache) -> Principal? {
        guard request.method == .post, request.path == Self.path else { return nil }
        return accepts(Head(request.headerFields), principals: &principals)
    }

    /// The same checks as ``accepts(_:principals:)-(HTTPRequest,_)`` once method and path are known to be the fast
    /// path's.
    func accepts(_ head: Head, principals: inout PrincipalCache) -> Principal? {
        guard let contentType = head.contentType, Request.isJSON(contentType) else { return nil }
        if let lengthBytes = head.contentLengthBytes {
            guard lengthBytes >= 0, lengthBytes <= bodySizeBytesMax else { return nil }
        }
        if let connection = head.connection, connection.lowercased() != "keep-alive" { return nil }
        guard !head.hasExpect else { return nil }
        guard let key = AuthMiddleware.presentedKey(authorization: head.authorization, apiKey: head.apiKey),
            let principal = principals.authenticate(key: key, in: keys), principal.role == .service
        else { return nil }
        return principal
    }

    /// What to do with a complete request that ``accepts(_:)`` took.
    enum Admission {
        /// Submit this command; render with these contexts.
        case submit(Command, Contexts)
        /// Answered without the engine (the charge limit's 429): the response to write.
        case answered(HTTPResponse, ByteBuffer)
        /// Let the router answer (a bad body, a failed log): the router finds and phrases the error itself.
        case delegate
    }

    /// The request as the router's middleware would see it: `outer` is what ``CorrelationMiddleware`` holds
    /// (no principal), `inner` what the route holds (behind ``AuthMiddleware``).
    struct Contexts {
        var outer: Context
        var inner: Context
        var start: ContinuousClock.Instant
    }

    /// Decodes the body with the route's grammar and admits it past the charge limit, in the route's order.
    func admit(
        head: Head, body: ByteBuffer?, principal: Principal, channel: any Channel, start: ContinuousClock.Instant
    ) -> Admission {
        let bytes = body.map { Array($0.readableBytesView) } ?? []
        let command: Command
        do {
            command = try CommandBody.command(
                op: "debit", body: bytes, setting: Request.idempotencyMember(key: head.idempotencyKey))
        } catch {
            return .delegate
        }
        // Checked here, before the limit counts the debit, because the router would count it once more.
        guard backend.writeFailure == nil, case .debit(let debit) = command else { return .delegate }
        let contexts = makeContexts(head: head, principal: principal, channel: channel, start: start)
        do {
            try serviceRoutes.admit(userID: debit.userID)
        } catch {
            let rendered = correlation.errorResponse(for: error, context: contexts.outer)
            let (response, buffer) = finish(rendered, contexts: contexts)
            takenCount.increment()
            return .answered(response, buffer)
        }
        takenCount.increment()
        return .submit(command, contexts)
    }

    /// The engine's answer as the response the router would send.
    func response(
        to command: Command, outcome: Result<JSONValue, any Error>, contexts: Contexts
    ) -> (HTTPResponse, ByteBuffer) {
        var rendered: RenderedResponse
        do {
            rendered = try serviceRoutes.writePath.response(
                to: command, outcome: outcome, submittedAt: contexts.start, context: contexts.inner)
            rendered.response.headers[.requestID] = contexts.outer.requestID
        } catch {
            rendered = correlation.errorResponse(for: error, context: contexts.outer)
        }
        return finish(rendered, contexts: contexts)
    }

    /// The engine's answer as the bytes of the response the router would send, for the byte-level front
    /// (``DebitFastPathFront``). A 200 — nearly every debit — is written straight from its result
    /// (``HTTP1ResponseBytes/renderJSON(status:body:requestID:date:server:allocator:)``): building its `HTTPFields`
    /// (content type, request id, length, date, server) and serialising them again was ~5 % of a debit's server
    /// CPU. Anything else goes through ``response(to:outcome:contexts:)``, as before.
    func responseBytes(
        to command: Command, outcome: Result<JSONValue, any Error>, contexts: Contexts,
        allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        let result: JSONValue
        do {
            result = try serviceRoutes.writePath.acceptedResult(
                to: command, outcome: outcome, submittedAt: contexts.start, context: contexts.inner)
        } catch {
            let (response, body) = finish(
                correlation.errorResponse(for: error, context: contexts.outer), contexts: contexts)
            return HTTP1ResponseBytes.render(response, body: body, allocator: allocator)
        }
        correlation.finish(
            method: .post, path: Self.path, status: .ok, context: contexts.outer, start: contexts.start)
        return HTTP1ResponseBytes.renderJSON(
            status: .ok, body: result, requestID: contexts.outer.requestID, date: HTTPDate.now, server: serverName,
            allocator: allocator)
    }

    /// The correlation middleware's closing (metric, log line) and the headers Hummingbird's application adds
    /// to every response it writes (`Date`, `Server`).
    private func finish(_ rendered: RenderedResponse, contexts: Contexts) -> (HTTPResponse, ByteBuffer) {
        var response = rendered.response
        // The method and path are the fast path's own: ``accepts(_:principals:)`` took no other.
        correlation.finish(
            method: .post, path: Self.path, status: response.status, context: contexts.outer, start: contexts.start)
        response.headers[.date] = HTTPDate.now
        if let serverName { response.headers[.server] = serverName }
        return (response.head, rendered.body)
    }

    private func makeContexts(
        head: Head, principal: Principal, channel: any Channel, start: ContinuousClock.Instant
    ) -> Contexts {
        // As Hummingbird's application does for each request it routes, except that its `hb.request.id` goes on a
        // line only when one is logged (``TollgateRequestContext/deferredHummingbirdRequestID``): setting logger
        // metadata per request re-rendered the log handler's metadata for every debit, logged or not.
        var outer = Context(source: ApplicationRequestContextSource(channel: channel, logger: logger))
        outer.deferredHummingbirdRequestID = RequestID()
        outer.coreContext.endpointPath.value = Self.routeTemplate
        correlation.begin(&outer, requestIDHeader: head.requestID)
        var inner = outer
        inner.principal = principal
        return Contexts(outer: outer, inner: inner, start: start)
    }
}
