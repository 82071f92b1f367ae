import HTTPTypes
import Hummingbird
import Logging
import TollgateBilling

/// The end of every write route: submit a command, await its durable result, and turn it into a response —
/// 200 with the result for `applied` and `duplicate`, the result's status (via ``APIError``) otherwise, 503
/// when the log has failed.
struct WritePath: Sendable {
    let backend: any BillingBackend
    let metrics: TollgateMetrics

    func submit(_ command: Command, context: TollgateRequestContext) async throws -> Response {
        if let failure = backend.writeFailure { throw APIError.unavailable(Self.failureMessage(failure)) }
        let start = ContinuousClock.now
        let outcome: Result<JSONValue, any Error>
        do {
            outcome = .success(try await backend.submit(command))
        } catch {
            outcome = .failure(error)
        }
        return try response(to: command, outcome: outcome, submittedAt: start, context: context).response
    }

    /// A submitted command's outcome as its response (metrics and log lines included), or the ``APIError`` to
    /// render. The router's write routes and the debit fast path both end here, so their answers are the same.
    func response(
        to command: Command, outcome: Result<JSONValue, any Error>, submittedAt start: ContinuousClock.Instant,
        context: TollgateRequestContext
    ) throws(APIError) -> RenderedResponse {
        let result = try acceptedResult(to: command, outcome: outcome, submittedAt: start, context: context)
        return JSONResponse.render(status: .ok, body: result, requestID: context.requestID)
    }

    /// The body of a 200 (`applied` or `duplicate`), its metrics and log line done; any other outcome as the
    /// ``APIError`` to render. The debit fast path's front writes a 200's bytes itself
    /// (``HTTP1ResponseBytes/renderJSON(status:body:requestID:date:server:allocator:)``).
    func acceptedResult(
        to command: Command, outcome: Result<JSONValue, any Error>, submittedAt start: ContinuousClock.Instant,
        context: TollgateRequestContext
    ) throws(APIError) -> JSONValue {
        let result: JSONValue
        switch outcome {
        case .success(let value):
            result = value
            metrics.recordCommit(op: command.opName, duration: ContinuousClock.now - start)
            metrics.recordDecision(op: command.opName, result: result)
        case .failure(let error):
            context.log(.error, "submit failed", ["error": "\(error)"])
            throw APIError.unavailable("Writes are refused: \(error). Reads keep working.")
        }
        switch result["status"] {
        case .string("applied")?, .string("duplicate")?:
            context.log(
                .debug, "command decided",
                [
                    "status": "\(result["status"]?.rendered ?? "")",
                    "seq": "\(result["seq"]?.rendered ?? "")",
                ])
            return result
        default:
            throw APIError(result: result)
        }
    }

    static func failureMessage(_ failure: String) -> String {
        "Writes are refused: the billing log has failed (\(failure)). Reads keep working; restart the service "
            + "to recover from the log."
    }
}
