import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOPosix
import Testing
import TollgateBilling
import TollgateEngine

@testable import TollgateHTTP

/// The debit fast path answers exactly as the router does: the same raw bytes sent to a server with the fast path
/// and to one without (each over its own engine with the same fixed clock and keys) get byte-identical responses,
/// `Date` aside; and the fast path did take the plain debits.
@Suite struct DebitFastPathTests {
    static let admin = APIKeyStore.mint(role: .admin, userID: "alice-admin")
    static let service = APIKeyStore.mint(role: .service, userID: nil)
    static let user = APIKeyStore.mint(role: .user, userID: "bob")

    static func debit(
        _ body: String, key: String? = service.key, requestID: String? = "r-1", contentType: String? = "application/json",
        idempotencyKey: String? = nil, path: String = "/api/v1/debits", extraHeaders: String = ""
    ) -> String {
        var request = "POST \(path) HTTP/1.1\r\nHost: localhost\r\n"
        if let key { request += "Authorization: Bearer \(key)\r\n" }
        if let requestID { request += "X-Request-ID: \(requestID)\r\n" }
        if let contentType { request += "Content-Type: \(contentType)\r\n" }
        if let idempotencyKey { request += "Idempotency-Key: \(idempotencyKey)\r\n" }
        request += extraHeaders
        return request + "Content-Length: \(body.utf8.count)\r\n\r\n" + body
    }

    static func get(_ path: String, key: String? = nil, requestID: String = "g-1") -> String {
        var request = "GET \(path) HTTP/1.1\r\nHost: localhost\r\nX-Request-ID: \(requestID)\r\n"
        if let key { request += "Authorization: Bearer \(key)\r\n" }
        return request + "\r\n"
    }

    static let grant =
        "POST /api/v1/admin/users/u1/credits HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(admin.key)\r\n"
        + "X-Request-ID: a-1\r\nContent-Type: application/json\r\nContent-Length: 37\r\n\r\n"
        + #"{"amount":"5","reason":"test credit"}"#

    /// Each element is written in one go; several requests in one element are pipelined.
    static let exchanges: [[String]] = [
        [grant],
        [debit(#"{"user_id":"u1","amount":"1","request_id":"q1"}"#, requestID: "r-applied")],
        [debit(#"{"user_id":"u1","amount":"0.5"}"#, idempotencyKey: "k1")],
        [debit(#"{"user_id":"u1","amount":"0.5"}"#, idempotencyKey: "k1")],  // duplicate
        [debit(#"{"user_id":"u1","amount":"0.7"}"#, idempotencyKey: "k1")],  // 409 conflict
        [debit(#"{"user_id":"u1","amount":"100"}"#, requestID: "r-402")],  // 402
        [debit(#"{"user_id":"u2","amount":"1"}"#, requestID: nil)],  // generated id, 402
        [debit(#"{"user_id":"u1","amount":"0.1"}"#, requestID: "bad id")],  // replaced id
        [debit(#"{"user_id":"u1","amount":"1","at":"2026-01-01T00:00:00Z"}"#)],  // 422 server-owned
        [debit(#"{"user_id":"u1","amount":"#)],  // 400 malformed
        [debit(#"{"amount":"1"}"#)],  // 422 missing user
        [debit(#"{"user_id":"u1","amount":"1"}"#, key: nil)],  // 401
        [debit(#"{"user_id":"u1","amount":"1"}"#, key: "tg_nonsense")],  // 401
        [debit(#"{"user_id":"u1","amount":"1"}"#, key: admin.key)],  // 403
        [debit(#"{"user_id":"u1","amount":"1"}"#, contentType: "text/plain")],  // 415
        [debit(#"{"user_id":"u1","amount":"1"}"#, contentType: nil)],  // 415
        [debit(String(repeating: " ", count: 2_000) + #"{"user_id":"u1","amount":"1"}"#)],  // 413
        [debit(#"{"user_id":"u1","amount":"0.01"}"#, contentType: "application/json; charset=utf-8")],
        // Pipelined: debits around router requests, on one connection, in one write.
        [
            debit(#"{"user_id":"u1","amount":"0.01"}"#, requestID: "p-1"),
            debit(#"{"user_id":"u1","amount":"0.01"}"#, requestID: "p-1b"),
            get("/healthz", requestID: "p-2"),
            debit(#"{"user_id":"u1","amount":"0.02"}"#, requestID: "p-3"),
            debit(#"{"user_id":"u1","amount":"#, requestID: "p-4"),
            debit(#"{"user_id":"u1","amount":"0.03"}"#, requestID: "p-5"),
            get("/api/v1/users/me/balance", key: user.key, requestID: "p-6"),
            debit(#"{"user_id":"u1","amount":"0.04"}"#, requestID: "p-7"),
            debit(#"{"user_id":"u1","amount":"0.05"}"#, requestID: "p-8"),
        ],
        [debit(#"{"user_id":"u1","amount":"0.01"}"#, path: "/api/v1/debits?x=1")],  // router: query string
        // Charge limit (30 a minute in this test), pipelined: the 31st debit of u3 within the minute is 429.
        (0..<31).map { debit(#"{"user_id":"u3","amount":"0.001"}"#, requestID: "c-\($0)") },
        [get("/api/v1/users/me/balance", key: user.key)],
        // A parse error behind a debit in flight: the debit's answer first, then Hummingbird's 400 and close.
        [debit(#"{"user_id":"u1","amount":"0.01"}"#, requestID: "last"), "BROKEN REQUEST\r\n\r\n"],
    ]

    static let plainDebitCount = 42

    @Test func responsesAreByteIdenticalWithAndWithoutTheFastPath() async throws {
        let viaRouter = try await Self.run(fastPath: false)
        let viaFastPath = try await Self.run(fastPath: true)
        #expect(viaRouter.taken == 0)
        // The plain debits (200, 402, 409, 429 ...) were the fast path's; the rest went to the router.
        #expect(viaFastPath.taken == Self.plainDebitCount)
        #expect(viaRouter.responses.count == viaFastPath.responses.count)
        for (index, (routed, fast)) in zip(viaRouter.responses, viaFastPath.responses).enumerated() {
            #expect(routed == fast, "response \(index) differs:\n\(routed)\n---\n\(fast)")
        }
        let statuses = viaFastPath.responses.map { $0.split(separator: " ").dropFirst().first.map(String.init) ?? "" }
        #expect(statuses.contains("402") && statuses.contains("409") && statuses.contains("429"), "\(statuses)")
        #expect(statuses.contains("413") && statuses.contains("415") && statuses.contains("401"))
    }

    struct Run {
        var responses: [String]
        var taken: Int
        /// Of `taken`, what the byte-level front took (``DebitFastPathFront``).
        var frontTaken: Int
    }

    /// One keep-alive connection's writes, each written in one go, and how many responses each should get back
    /// before the next is written (0: the next write follows after a millisecond, to split a request across reads).
    struct Connection {
        var writes: [String]
        var responseCounts: [Int]
        /// Whether the client closes its sending side after the last write (and then reads the answers).
        var halfCloses = false

        init(writes: [String], responseCounts: [Int], halfCloses: Bool = false) {
            self.writes = writes
            self.responseCounts = responseCounts
            self.halfCloses = halfCloses
        }

        /// Each element written in one go, answered by as many responses as it holds requests.
        init(_ exchanges: [[String]]) {
            self.init(writes: exchanges.map { $0.joined() }, responseCounts: exchanges.map(\.count))
        }
    }

    /// Sends ``exchanges`` over one keep-alive connection to a live server; returns every response, normalized
    /// (the `Date` value and generated request ids replaced).
    static func run(
        fastPath: Bool, connections: [Connection] = [Connection(exchanges)],
        beforeWrite: @escaping @Sendable (Int, APIKeyRing) -> Void = { _, _ in }
    ) async throws -> Run {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tollgate-fast-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { TestEngine.remove(directory) }
        let fixed = Clock { Timestamp(millisecondsSinceEpoch: 1_772_355_600_000) }
        let engine = EngineService(
            engine: try Engine(
                configuration: EngineConfiguration(
                    directory: directory, billing: BillingConfiguration(creditEnforcementEnabled: true)),
                clock: fixed))
        var configuration = HTTPConfiguration(
            host: "127.0.0.1", port: 0, bodySizeBytesMax: 1_024, chargeRequestsPerMinute: 30,
            purchaseRequestsPerMinute: 0)
        configuration.debitFastPath = fastPath
        let keys = APIKeyRing(try APIKeyStore(entries: [admin.entry, service.entry, user.entry]))
        var logger = Logger(label: "fast-path-test")
        logger.logLevel = .critical
        let taken = TakenBox()
        let app = TollgateAPI.application(
            backend: engine, dataDirectory: directory, keys: keys, configuration: configuration, logger: logger,
            metrics: TollgateMetrics(), services: [EngineShutdownService(engine: engine, logger: logger)],
            clock: fixed, onFastPath: { taken.fastPath = $0 })
        let responses = try await app.test(.live) { client in
            let port = try #require(client.port)
            var responses: [String] = []
            for connection in connections {
                responses += try await RawConnection.exchange(
                    port: port, writes: connection.writes, responseCounts: connection.responseCounts,
                    halfCloses: connection.halfCloses, beforeWrite: { index in beforeWrite(index, keys) })
            }
            return responses
        }
        try? engine.shutdown()
        return Run(
            responses: responses.map(normalize), taken: taken.fastPath?.takenCount.value ?? 0,
            frontTaken: taken.fastPath?.frontTakenCount.value ?? 0)
    }

    /// The connection's cached principal (``PrincipalCache``) lasts only until the key ring is replaced: a key
    /// removed by a reload is refused on the same keep-alive connection by the next request (401 from the router),
    /// and works again, taken by the fast path, once a reload brings it back.
    @Test func aRevokedKeyStopsWorkingAtTheNextReloadOnTheSameConnection() async throws {
        let body = #"{"user_id":"u1","amount":"0.01"}"#
        let writes = [
            Self.debit(body, requestID: "k-1"), Self.debit(body, requestID: "k-2"), Self.debit(body, requestID: "k-3"),
            Self.debit(body, requestID: "k-4"),
        ]
        let (admin, service, user) = (Self.admin, Self.service, Self.user)
        let connection = Connection(writes: writes, responseCounts: [1, 1, 1, 1])
        let run = try await Self.run(fastPath: true, connections: [connection]) { index, keys in
            switch index {
            case 2: keys.replace(with: try! APIKeyStore(entries: [admin.entry, user.entry]))  // revoked
            case 3: keys.replace(with: try! APIKeyStore(entries: [admin.entry, service.entry, user.entry]))
            default: break
            }
        }
        let statuses = run.responses.map { $0.split(separator: " ").dropFirst().first.map(String.init) ?? "" }
        // u1 has no credit here: 402, a decision the fast path answers like any other.
        #expect(statuses == ["402", "402", "401", "402"], "\(statuses)")
        #expect(run.taken == 3)
        #expect(run.frontTaken == 2)  // the front switched the connection to the codec at the refused key
    }

    final class TakenBox: @unchecked Sendable {
        var fastPath: DebitFastPath?
    }

    /// `Date` changes by the second and generated ids by the counter: both are replaced by placeholders.
    static func normalize(_ response: String) -> String {
        var lines = response.components(separatedBy: "\r\n")
        for index in lines.indices where lines[index].lowercased().hasPrefix("date: ") {
            lines[index] = "date: <date>"
        }
        var text = lines.joined(separator: "\r\n")
        let prefix = CorrelationMiddleware.processPrefix
        while let range = text.range(of: prefix) {
            let end = text.index(range.lowerBound, offsetBy: 32, limitedBy: text.endIndex) ?? text.endIndex
            text.replaceSubrange(range.lowerBound..<end, with: "<generated>")
        }
        return text
    }
}

/// A plain TCP client that writes raw bytes and splits what comes back into whole HTTP/1.1 responses (by
/// `Content-Length`), so the test sees the bytes a client gets, pipelining included.
enum RawConnection {
    /// Bounded: a response that never comes fails the test instead of hanging the suite.
    static func exchange(
        port: Int, writes: [String], responseCounts: [Int], halfCloses: Bool = false,
        beforeWrite: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws -> [String] {
        try await withThrowingTaskGroup(of: [String]?.self) { group in
            group.addTask {
                try await unbounded(
                    port: port, writes: writes, responseCounts: responseCounts, halfCloses: halfCloses,
                    beforeWrite: beforeWrite)
            }
            group.addTask {
                try await Task.sleep(for: .seconds(30))
                return nil
            }
            defer { group.cancelAll() }
            guard let responses = try await group.next() ?? nil else {
                Issue.record("no complete answer within 30 s")
                return []
            }
            return responses
        }
    }

    private static func unbounded(
        port: Int, writes: [String], responseCounts: [Int], halfCloses: Bool, beforeWrite: @Sendable (Int) -> Void
    ) async throws -> [String] {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                        wrappingChannelSynchronously: channel,
                        configuration: .init(isOutboundHalfClosureEnabled: true))
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var iterator = inbound.makeAsyncIterator()
            var pending: [UInt8] = []
            var responses: [String] = []
            for (index, (write, count)) in zip(writes, responseCounts).enumerated() {
                beforeWrite(index)
                try await outbound.write(ByteBuffer(string: write))
                if halfCloses, index == writes.count - 1 { outbound.finish() }
                if count == 0 { try await Task.sleep(for: .milliseconds(1)) }
                var received = 0
                while received < count {
                    if let (response, rest) = split(pending) {
                        responses.append(response)
                        pending = rest
                        received += 1
                        continue
                    }
                    guard let buffer = try await iterator.next() else {
                        throw CancellationError()
                    }
                    pending += Array(buffer.readableBytesView)
                }
            }
            return responses
        }
    }

    /// The first whole response in `bytes` and what follows it; nil while incomplete.
    static func split(_ bytes: [UInt8]) -> (String, [UInt8])? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard bytes.count >= 4,
            let headEnd = (0...(bytes.count - 4)).first(where: { Array(bytes[$0..<($0 + 4)]) == separator })
        else { return nil }
        let head = String(decoding: bytes[..<headEnd], as: UTF8.self)
        let length =
            head.components(separatedBy: "\r\n")
            .first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        let end = headEnd + 4 + length
        guard bytes.count >= end else { return nil }
        return (String(decoding: bytes[..<end], as: UTF8.self), Array(bytes[end...]))
    }
}
