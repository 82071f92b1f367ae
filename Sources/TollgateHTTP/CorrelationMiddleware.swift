import HTTPTypes
import Hummingbird
import Logging

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
        let requestID = Self.acceptedRequestID(request.headers[.requestID]) ?? Self.newRequestID()
        context.requestID = requestID
        context.bodySizeBytesMax = bodySizeBytesMax
        context.logger[metadataKey: "request_id"] = .string(requestID)
        let start = ContinuousClock.now
        let response = await respond(request, context: context, requestID: requestID, next: next)
        metrics.recordRequest(
            method: request.method.rawValue, route: context.endpointPath ?? "unknown", status: response.status.code,
            duration: ContinuousClock.now - start)
        context.logger.debug(
            "request",
            metadata: [
                "method": "\(request.method)", "path": "\(request.uri.path)",
                "status": "\(response.status.code)",
            ])
        return response
    }

    private func respond(
        _ request: Request, context: Context, requestID: String, next: (Request, Context) async throws -> Response
    ) async -> Response {
        do {
            var response = try await next(request, context)
            response.headers[.requestID] = requestID
            return response
        } catch {
            var apiError = Self.apiError(for: error, bodySizeBytesMax: bodySizeBytesMax)
            apiError.correlationID = requestID
            if apiError.status.code >= 500 {
                context.logger.error(
                    "request failed", metadata: ["status": "\(apiError.status.code)", "error": "\(error)"])
            } else {
                context.logger.debug(
                    "request refused", metadata: ["status": "\(apiError.status.code)", "code": "\(apiError.code)"])
            }
            return JSONResponse.make(status: apiError.status, body: apiError.body, requestID: requestID)
        }
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

    /// 128 random bits as 32 hex digits.
    static func newRequestID() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return hex(high) + hex(low)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
