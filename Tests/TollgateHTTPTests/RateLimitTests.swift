import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing
import TollgateBilling
import TollgateEngine

@testable import TollgateHTTP

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let milliseconds: Atomic<Int64>

    init(_ start: Timestamp) { milliseconds = Atomic(start.rawValue) }

    var clock: Clock { Clock { [self] in Timestamp(rawValue: milliseconds.load(ordering: .relaxed)) } }

    func advance(milliseconds delta: Int64) { milliseconds.add(delta, ordering: .relaxed) }
}

/// Rate limits: transport policy (429 + `Retry-After`), fixed windows on an injected clock, never a record.
@Suite struct RateLimitTests {
    static let start = Timestamp(rawValue: 1_780_000_000_000)

    // MARK: - The limiter

    @Test func limiterAllowsTheLimitThenRefusesWithRetryAfterUntilTheWindowCloses() {
        let time = ManualClock(Self.start)
        let limiter = RateLimiter(requestsPerWindow: 3, clock: time.clock)
        for _ in 0..<3 { #expect(limiter.admit("bob") == .allowed) }
        #expect(limiter.admit("bob") == .limited(retryAfterSeconds: 60))
        time.advance(milliseconds: 59_001)
        #expect(limiter.admit("bob") == .limited(retryAfterSeconds: 1))
        time.advance(milliseconds: 998)
        #expect(limiter.admit("bob") == .limited(retryAfterSeconds: 1))
        time.advance(milliseconds: 1)  // exactly one window after the first request: a new window
        #expect(limiter.admit("bob") == .allowed)
    }

    @Test func retryAfterRoundsUpToWholeSeconds() {
        let time = ManualClock(Self.start)
        let limiter = RateLimiter(requestsPerWindow: 1, clock: time.clock)
        #expect(limiter.admit("k") == .allowed)
        time.advance(milliseconds: 30_500)
        #expect(limiter.admit("k") == .limited(retryAfterSeconds: 30))
        time.advance(milliseconds: 1)
        #expect(limiter.admit("k") == .limited(retryAfterSeconds: 30))
        time.advance(milliseconds: 500)
        #expect(limiter.admit("k") == .limited(retryAfterSeconds: 29))
    }

    @Test func keysAreIsolated() {
        let time = ManualClock(Self.start)
        let limiter = RateLimiter(requestsPerWindow: 1, clock: time.clock)
        #expect(limiter.admit("bob") == .allowed)
        #expect(limiter.admit("bob") != .allowed)
        #expect(limiter.admit("carol") == .allowed)
    }

    @Test func trackedKeysAreBoundedAndClosedWindowsAreSwept() {
        let time = ManualClock(Self.start)
        let limiter = RateLimiter(requestsPerWindow: 5, trackedKeyCountMax: 3, clock: time.clock)
        for key in ["a", "b", "c"] { #expect(limiter.admit(key) == .allowed) }
        time.advance(milliseconds: 10_000)
        // Full of live windows: a new key is refused until the earliest window closes (fail closed)…
        #expect(limiter.admit("d") == .limited(retryAfterSeconds: 50))
        // …while the tracked keys keep their own counts.
        #expect(limiter.admit("a") == .allowed)
        #expect(limiter.trackedKeyCount == 3)
        time.advance(milliseconds: 50_000)
        #expect(limiter.admit("d") == .allowed)
        #expect(limiter.trackedKeyCount == 1)
    }

    // MARK: - Charge routes, per user

    static func limited(charge: Int = 0, purchase: Int = 0) -> HTTPConfiguration {
        HTTPConfiguration(chargeRequestsPerMinute: charge, purchaseRequestsPerMinute: purchase)
    }

    @Test func debitsOverTheLimitGet429WithRetryAfterAndAppendNothing() async throws {
        let server = try TestServer()
        let time = ManualClock(Self.start)
        try await server.test(configuration: Self.limited(charge: 2), clock: time.clock) { client in
            for index in 0..<2 {
                let reply = try await client.call(
                    .post, "/api/v1/debits", key: server.serviceKey,
                    json: "{\"user_id\":\"bob\",\"amount\":\"1\",\"request_id\":\"r\(index)\"}")
                #expect(reply.status == .ok, "\(reply.text)")
            }
            let records = server.engine.read { $0.recordCount }
            time.advance(milliseconds: 15_000)
            let refused = try await client.call(
                .post, "/api/v1/debits", key: server.serviceKey, json: #"{"user_id":"bob","amount":"1"}"#)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] == "45")
            #expect(refused.string("code") == "rate_limited")
            #expect(refused.int("retry_after_seconds") == 45)
            #expect(refused.string("correlation_id") == refused.headers[.requestID])
            #expect(server.engine.read { $0.recordCount } == records)
            // Consumes share the user's budget.
            let consume = try await client.call(
                .post, "/api/v1/entitlements/consume", key: server.serviceKey,
                json: #"{"user_id":"bob","entitlement_key":"x"}"#)
            #expect(consume.status == .tooManyRequests)
            // Another user is not affected.
            let carol = try await client.call(
                .post, "/api/v1/debits", key: server.serviceKey, json: #"{"user_id":"carol","amount":"1"}"#)
            #expect(carol.status == .ok, "\(carol.text)")
            // The window closes: bob may debit again.
            time.advance(milliseconds: 45_000)
            let again = try await client.call(
                .post, "/api/v1/debits", key: server.serviceKey, json: #"{"user_id":"bob","amount":"1"}"#)
            #expect(again.status == .ok, "\(again.text)")
            let metrics = try await client.call(.get, "/metrics")
            #expect(metrics.text.contains(#"tollgate_rate_limited_total{limit="charge"} 2"#), "\(metrics.text)")
        }
    }

    @Test func zeroTurnsTheChargeLimitOff() async throws {
        let server = try TestServer()
        try await server.test(configuration: Self.limited(charge: 0), clock: ManualClock(Self.start).clock) {
            client in
            for _ in 0..<5 {
                let reply = try await client.call(
                    .post, "/api/v1/debits", key: server.serviceKey, json: #"{"user_id":"bob","amount":"1"}"#)
                #expect(reply.status == .ok)
            }
        }
    }

    // MARK: - Purchase routes, per client IP

    /// The API's router plus a stand-in for a payment webhook route (added after the limiter, as real ones are).
    static func webhookRouter(_ server: TestServer, _ configuration: HTTPConfiguration, _ clock: Clock)
        -> Router<TollgateRequestContext>
    {
        let router = TollgateAPI.router(
            backend: server.engine, history: LogHistory(directory: server.directory), keys: APIKeyRing(server.keys),
            configuration: configuration, clock: clock)
        router.post("api/v1/webhooks/test") { _, context in
            JSONResponse.make(status: .ok, body: .object([("received", .bool(true))]), requestID: context.requestID)
        }
        return router
    }

    @Test func webhooksAreLimitedPerClientIP() async throws {
        let server = try TestServer()
        let time = ManualClock(Self.start)
        var configuration = Self.limited(purchase: 2)
        configuration.trustForwardedFor = true
        let app = Application(router: Self.webhookRouter(server, configuration, time.clock))
        try await app.test(.router) { client in
            let first: HTTPFields = [RateLimitMiddleware.forwardedFor: "203.0.113.7, 10.0.0.1"]
            let second: HTTPFields = [RateLimitMiddleware.forwardedFor: "198.51.100.9"]
            for _ in 0..<2 {
                let reply = try await client.call(.post, "/api/v1/webhooks/test", json: "{}", headers: first)
                #expect(reply.status == .ok, "\(reply.text)")
            }
            let refused = try await client.call(.post, "/api/v1/webhooks/test", json: "{}", headers: first)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] == "60")
            #expect(refused.string("code") == "rate_limited")
            let other = try await client.call(.post, "/api/v1/webhooks/test", json: "{}", headers: second)
            #expect(other.status == .ok)
            // Routes outside the prefix are not limited per IP.
            for _ in 0..<3 {
                let health = try await client.call(.get, "/healthz", headers: first)
                #expect(health.status == .ok)
            }
            time.advance(milliseconds: 60_000)
            let later = try await client.call(.post, "/api/v1/webhooks/test", json: "{}", headers: first)
            #expect(later.status == .ok)
        }
        try server.engine.shutdown()
        TestEngine.remove(server.directory)
    }

    @Test func forwardedForIsIgnoredUnlessTrusted() async throws {
        let server = try TestServer()
        let app = Application(
            router: Self.webhookRouter(server, Self.limited(purchase: 1), ManualClock(Self.start).clock))
        try await app.test(.router) { client in
            let first = try await client.call(
                .post, "/api/v1/webhooks/test", json: "{}", headers: [RateLimitMiddleware.forwardedFor: "192.0.2.1"])
            #expect(first.status == .ok)
            // A forged header does not buy a fresh budget: both requests come from the same peer.
            let forged = try await client.call(
                .post, "/api/v1/webhooks/test", json: "{}", headers: [RateLimitMiddleware.forwardedFor: "192.0.2.2"])
            #expect(forged.status == .tooManyRequests)
        }
        try server.engine.shutdown()
        TestEngine.remove(server.directory)
    }
}
