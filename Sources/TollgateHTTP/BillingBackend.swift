import TollgateBilling

/// What the routes need from the engine: submit a command and await its durable result, read projections.
///
/// ``EngineService`` is the one real implementation (`EngineService+BillingBackend.swift`, the only file that
/// reads engine state). The protocol keeps routes ignorant of how state is held and lets tests wrap the engine,
/// e.g. to inject a log failure.
public protocol BillingBackend: Sendable {
    /// Decides `command` in order with every other command; returns once its record is durable.
    /// Throws only operating failures (the log failed, the engine is stopping or saturated).
    func submit(_ command: Command) async throws -> JSONValue
    /// The same, for callers that are not Swift tasks (the debit fast path on NIO's event loops): `completion` is
    /// called exactly once, on any thread, once the record is durable (or the command is refused). Keep it cheap.
    func submit(_ command: Command, completion: @escaping @Sendable (Result<JSONValue, any Error>) -> Void)
    /// nil while writes work; why they are refused once the log has failed.
    var writeFailure: String? { get }
    /// `{user_id, balance, low_balance}`.
    func balance(userID: String) -> JSONValue
    /// `{user_id, state, grace_started_at, grace_ends_at, usage}` evaluated at `time` (the request time, from the
    /// router's clock: the backend never reads a clock of its own).
    func enforcement(userID: String, at time: Timestamp) -> JSONValue
    /// The user's effective module policy at `time` as compact JSON text: the plan's `module_rules` while the user
    /// is DEGRADED, `{}` otherwise (validated JSON, stored as the parser produced it).
    func modulePolicyJSON(userID: String, at time: Timestamp) -> String
    /// `{enforcement_enabled, enforcement_source}`.
    func settings() -> JSONValue
    /// An admin's view of one user at `time`: balance, enforcement, limits.
    func userState(userID: String, at time: Timestamp) -> JSONValue
    /// What a client shows its users: enforcement on/off, default thresholds and grace, low-balance threshold.
    func policy() -> JSONValue
    /// Payment webhooks: `{"events":[…],"count":N,"truncated":bool}`, the oldest `limit`; only dead letters with
    /// `deadOnly`.
    func paymentEventsJSON(deadOnly: Bool, limit: Int) -> JSONValue
    /// Whether a payment event id is stored.
    func hasPaymentEvent(eventID: String) -> Bool
    /// Event ids an automatic retry pass should attempt now.
    func paymentEventsDueForRetry(now: Timestamp, intervalMilliseconds: Int64) -> [String]
    /// The user's enforcement evaluated at `time` (the request time): state, grace, triggered metrics, policy.
    func userEnforcement(userID: String, at time: Timestamp) -> UserEnforcement
}

/// Backends without payment events (test doubles) answer "none".
extension BillingBackend {
    /// Test doubles get the callback flavour from their async `submit`, through a task.
    public func submit(_ command: Command, completion: @escaping @Sendable (Result<JSONValue, any Error>) -> Void) {
        Task {
            do {
                completion(.success(try await submit(command)))
            } catch {
                completion(.failure(error))
            }
        }
    }

    public func paymentEventsJSON(deadOnly: Bool, limit: Int) -> JSONValue {
        .object([("events", .array([])), ("count", .int(0)), ("truncated", .bool(false))])
    }

    public func hasPaymentEvent(eventID: String) -> Bool { false }

    public func paymentEventsDueForRetry(now: Timestamp, intervalMilliseconds: Int64) -> [String] { [] }
}

