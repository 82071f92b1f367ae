import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// The outermost middleware: gives every request a correlation id (the client's `X-Request-ID` when it is
/// well formed, else a new one), puts it on the logger and on the response, and turns every error into an
/// ``APIError`` response — so nothing a route throws ever leaves as a bare 500 without a body.
struct CorrelationMiddleware: RouterMiddleware {
    typealias Context = TollgateRequestContext

    /// Longest client-supplied id accepted; longer or odd ones are replaced, not rejected.
    static let requestIDSizeBytesMax = 128

    let bodySizeBytesMax: Int
    let metrics: TollgateMetrics

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        begin(&context, requestIDHeader: request.headers[.requestID])
        let start = ContinuousClock.now
        var rendered: Response
        do {
            rendered = try await next(request, context)
            rendered.headers[.requestID] = context.requestID
        } catch {
            rendered = errorResponse(for: error, context: context).response
        }
        finish(
            method: request.method, path: request.uri.path, status: rendered.status, context: context, start: start)
        return rendered
    }

    /// Before any route runs: the correlation id (accepted or new) and the body limit go on the context.
    /// Shared with the debit fast path (``DebitFastPath``), so both accept and generate ids the same way.
    func begin(_ context: inout Context, requestIDHeader: String?) {
        context.requestID = Self.acceptedRequestID(requestIDHeader) ?? Self.newRequestID()
        context.bodySizeBytesMax = bodySizeBytesMax
    }

    /// Anything thrown by a route as its ``APIError`` response, logged; shared with the debit fast path.
    func errorResponse(for error: any Error, context: Context) -> RenderedResponse {
        var apiError = Self.apiError(for: error, bodySizeBytesMax: bodySizeBytesMax)
        apiError.correlationID = context.requestID
        if apiError.status.code >= 500 {
            context.log(.error, "request failed", ["status": "\(apiError.status.code)", "error": "\(error)"])
        } else {
            context.log(.debug, "request refused", ["status": "\(apiError.status.code)", "code": "\(apiError.code)"])
        }
        var rendered = JSONResponse.render(status: apiError.status, body: apiError.body, requestID: context.requestID)
        rendered.response.headers.append(contentsOf: apiError.headers)
        return rendered
    }

    /// After the response is made: the request's latency metric and its log line; shared with the debit fast
    /// path.
    func finish(
        method: HTTPRequest.Method, path: String, status: HTTPResponse.Status, context: Context,
        start: ContinuousClock.Instant
    ) {
        metrics.recordRequest(
            method: method.rawValue, route: context.endpointPath ?? "unknown", status: status.code,
            duration: ContinuousClock.now - start)
        context.log(.debug, "request", ["method": "\(method)", "path": "\(path)", "status": "\(status.code)"])
    }

    /// Maps anything thrown to an ``APIError``: Hummingbird's own errors (unknown route, body too large) keep
    /// their status; anything unexpected is a 500 whose detail goes to the log, not to the client.
    static func apiError(for error: any Error, bodySizeBytesMax: Int) -> APIError {
        switch error {
        case let apiError as APIError:
            return apiError
        case let httpError as HTTPError:
            switch httpError.status {
            case .notFound: return .notFound("No such route.")
            case .methodNotAllowed: return .methodNotAllowed()
            case .contentTooLarge: return .bodyTooLarge(limitBytes: bodySizeBytesMax)
            default:
                return APIError(
                    status: httpError.status,
                    code: httpError.status.reasonPhrase.lowercased()
                        .replacingOccurrences(of: " ", with: "_"),
                    message: httpError.body ?? httpError.status.reasonPhrase)
            }
        default:
            return .internalError()
        }
    }

    static func acceptedRequestID(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value.utf8.count <= requestIDSizeBytesMax else { return nil }
        let allowed = value.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: ":"), UInt8(ascii: "@"):
                return true
            default:
                return false
            }
        }
        return allowed ? value : nil
    }

    /// 64 random bits drawn once per process, so ids from different processes do not collide.
    static let processPrefix = hex(UInt64.random(in: .min ... .max))
    static let requestCount = Atomic<UInt64>(0)

    /// 32 hex digits: the process prefix and a counter. Unique, not secret (it is only a correlation id), and
    /// without a `getrandom` call per request. Written in place: one allocation, where formatting and
    /// concatenating took three.
    static func newRequestID() -> String {
        let count = requestCount.add(1, ordering: .relaxed).newValue
        let prefix = processPrefix.utf8
        assert(prefix.count == 16, "the process prefix is 16 hex digits")
        return String(unsafeUninitializedCapacity: 32) { buffer in
            var index = 0
            for byte in prefix {
                buffer[index] = byte
                index += 1
            }
            for shift in stride(from: 60, through: 0, by: -4) {
                let nibble = UInt8(truncatingIfNeeded: count >> UInt64(shift)) & 0xF
                buffer[index] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
                index += 1
            }
            return index
        }
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
