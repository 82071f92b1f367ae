import HTTPTypes
import Hummingbird
import TollgateBilling

/// Every error response of the API: a status and a body `{code, message, correlation_id, …}`.
///
/// This is the one place where an HTTP status is chosen. Routes never pick a status: they throw an `APIError`
/// built from what went wrong (a decision's `code`, a bad request, an authentication failure), and
/// ``CorrelationMiddleware`` renders it, filling in the request's correlation id.
public struct APIError: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    /// Further members after `code`, `message` and `correlation_id`: the decision's fields for a refused command
    /// (`status`, `seq`, `http_status`, the rule's fields), the offending `field` for a bad request.
    public var details: [(String, JSONValue)]
    /// The request's correlation id; set by ``CorrelationMiddleware`` before the response is rendered.
    public var correlationID: String?
    /// Extra response headers (`Retry-After` of a 429).
    public var headers: HTTPFields = [:]

    public init(
        status: HTTPResponse.Status, code: String, message: String, details: [(String, JSONValue)] = [],
        correlationID: String? = nil
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.correlationID = correlationID
    }

    /// The body, members in a fixed order.
    public var body: JSONValue {
        var members: [(String, JSONValue)] = [
            ("code", .string(code)), ("message", .string(message)),
            ("correlation_id", correlationID.map(JSONValue.string) ?? .null),
        ]
        let reserved: Set<String> = ["code", "message", "correlation_id"]
        members += details.filter { !reserved.contains($0.0) }
        return .object(members)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var error = self
        if error.correlationID == nil {
            error.correlationID = CorrelationMiddleware.acceptedRequestID(request.headers[HTTPField.Name.requestID])
        }
        var response = JSONResponse.make(status: error.status, body: error.body, requestID: error.correlationID)
        response.headers.append(contentsOf: error.headers)
        return response
    }
}

// MARK: - Errors of the transport

extension APIError {
    public static func missingKey() -> APIError {
        APIError(
            status: .unauthorized, code: "unauthorized",
            message: "Missing API key: send it as `Authorization: Bearer <key>` or `X-API-Key: <key>`.")
    }

    public static func unknownKey() -> APIError {
        APIError(status: .unauthorized, code: "unauthorized", message: "Unknown API key.")
    }

    public static func forbiddenRole(_ role: Role, allowed: [Role]) -> APIError {
        APIError(
            status: .forbidden, code: "forbidden",
            message: "A \(role.rawValue) key cannot use this route; it needs a "
                + allowed.map(\.rawValue).joined(separator: " or ") + " key.")
    }

    public static func notFound(_ what: String) -> APIError {
        APIError(status: .notFound, code: "not_found", message: what)
    }

    public static func methodNotAllowed() -> APIError {
        APIError(status: .methodNotAllowed, code: "method_not_allowed", message: "Method not allowed on this route.")
    }

    public static func malformedJSON(_ message: String) -> APIError {
        APIError(status: .badRequest, code: "malformed_json", message: message)
    }

    public static func unsupportedMediaType(_ contentType: String?) -> APIError {
        APIError(
            status: .unsupportedMediaType, code: "unsupported_media_type",
            message: "The body must be `application/json`, got " + (contentType.map { "`\($0)`" } ?? "no Content-Type")
                + ".")
    }

    public static func bodyTooLarge(limitBytes: Int) -> APIError {
        APIError(
            status: .contentTooLarge, code: "payload_too_large",
            message: "The body exceeds \(limitBytes) bytes.")
    }

    /// Bad input in a request: the same `invalid_request` (422) a command line gets from `apply`.
    public static func invalid(_ invalid: InvalidRequest) -> APIError {
        var details: [(String, JSONValue)] = [("status", .string("invalid"))]
        if let field = invalid.field { details.append(("field", .string(field))) }
        return APIError(
            status: .unprocessableContent, code: "invalid_request", message: invalid.message, details: details)
    }

    public static func invalid(field: String?, _ message: String) -> APIError {
        invalid(InvalidRequest(field: field, message: message))
    }

    /// Writes are refused: the log has failed (fail-stop) or the engine is stopping or saturated.
    public static func unavailable(_ reason: String) -> APIError {
        APIError(status: .serviceUnavailable, code: "service_unavailable", message: reason)
    }

    /// A webhook whose signature header is missing, malformed or matches no `v1` MAC of the body.
    public static func badSignature(_ message: String) -> APIError {
        APIError(status: .badRequest, code: "bad_signature", message: message)
    }

    /// A webhook signed too long ago (or too far ahead): replay protection.
    public static func staleSignature(_ message: String) -> APIError {
        APIError(status: .badRequest, code: "stale_timestamp", message: message)
    }

    /// A signed webhook body that is not a payment event of a handled shape.
    public static func malformedEvent(_ message: String) -> APIError {
        APIError(status: .badRequest, code: "malformed_event", message: message)
    }

    /// The payment webhook route without a configured secret: nothing can be verified.
    public static func webhooksNotConfigured() -> APIError {
        APIError(
            status: .serviceUnavailable, code: "webhooks_not_configured",
            message: "Payment webhooks are not configured: start the server with a webhook secret.")
    }

    /// Over a rate limit (transport policy, nothing was decided): 429 with `Retry-After` in whole seconds.
    public static func rateLimited(retryAfterSeconds: Int64, scope: String) -> APIError {
        var error = APIError(
            status: .tooManyRequests, code: "rate_limited",
            message: "Too many requests for this \(scope); retry after \(retryAfterSeconds) s.",
            details: [("retry_after_seconds", .int(retryAfterSeconds))])
        error.headers[.retryAfter] = String(retryAfterSeconds)
        return error
    }

    public static func internalError() -> APIError {
        APIError(status: .internalServerError, code: "internal_error", message: "Internal error.")
    }
}

// MARK: - Decisions

extension APIError {
    /// The status of a refused or invalid decision result: its `http_status` when it is a client error,
    /// else the contract's status for its `code`.
    static func status(ofResult result: JSONValue) -> HTTPResponse.Status {
        if case .int(let code)? = result["http_status"], (400...499).contains(code) {
            return HTTPResponse.Status(code: Int(code))
        }
        if case .string(let code)? = result["code"], let status = statusByCode[code] {
            return status
        }
        return .unprocessableContent
    }

    /// SEMANTICS.md's statuses by decision code; used only when a result carries no usable `http_status`.
    static let statusByCode: [String: HTTPResponse.Status] = [
        "invalid_request": .unprocessableContent,
        "idempotency_conflict": .conflict,
        "account_suspended": .forbidden,
        "request_cap_exceeded": .unprocessableContent,
        "daily_cap_exceeded": .tooManyRequests,
        "session_cap_exceeded": .tooManyRequests,
        "insufficient_credits": .paymentRequired,
        "quota_exceeded": .forbidden,
    ]

    /// Messages for results that carry none (the engine's own `message` wins when present).
    static let messageByCode: [String: String] = [
        "idempotency_conflict": "Idempotency key already used with a different payload.",
        "account_suspended": "Account is suspended.",
        "request_cap_exceeded": "Amount exceeds the single request cap.",
        "daily_cap_exceeded": "Daily cap exceeded.",
        "session_cap_exceeded": "Session cap exceeded.",
        "insufficient_credits": "Insufficient credits. Please top up your account.",
        "quota_exceeded": "Quota exceeded.",
    ]

    /// A `rejected` or `invalid` result as an error response; every member of the result is kept.
    public init(result: JSONValue) {
        let code: String
        if case .string(let value)? = result["code"] { code = value } else { code = "rejected" }
        let message: String
        if case .string(let value)? = result["message"] {
            message = value
        } else {
            message = Self.messageByCode[code] ?? "Request refused: \(code)."
        }
        var details: [(String, JSONValue)] = []
        if case .object(let members) = result { details = members.filter { $0.0 != "message" } }
        self.init(status: Self.status(ofResult: result), code: code, message: message, details: details)
    }
}
