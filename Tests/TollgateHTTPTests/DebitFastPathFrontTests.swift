import Testing

@testable import TollgateHTTP

/// The byte-level front of the debit fast path (``DebitFastPathFront``) answers byte for byte as the router does:
/// the same raw bytes, one connection per scenario, to a server with the fast path and to one without; and the
/// front did take the plain debits at the start of each connection, and handed everything else to NIO's codec.
@Suite struct DebitFastPathFrontTests {
    typealias Connection = DebitFastPathTests.Connection
    static let service = DebitFastPathTests.service
    static let user = DebitFastPathTests.user

    static func debit(
        _ body: String, key: String? = service.key, requestID: String? = "f-1",
        contentType: String? = "application/json", idempotencyKey: String? = nil, extraHeaders: String = ""
    ) -> String {
        DebitFastPathTests.debit(
            body, key: key, requestID: requestID, contentType: contentType, idempotencyKey: idempotencyKey,
            extraHeaders: extraHeaders)
    }

    static func get(_ path: String, key: String? = nil, requestID: String = "fg-1") -> String {
        DebitFastPathTests.get(path, key: key, requestID: requestID)
    }

    static let small = #"{"user_id":"u1","amount":"0.01"}"#

    /// A debit as written by hand, in another spelling the front reads too: lower-case names, `X-API-Key`, odd
    /// spacing around values, an unknown header.
    static let handWritten =
        "POST /api/v1/debits HTTP/1.1\r\nhost: localhost\r\nx-api-key:\(service.key)\r\n"
        + "content-type:   application/json \t\r\nx-request-id: hand-1\r\nX-Custom: yes\r\n"
        + "content-length: \(small.utf8.count)\r\n\r\n\(small)"

    /// Plain debits the front takes, in `plainConnection` before its GET.
    static let plainDebits: [[String]] = [
        [debit(#"{"user_id":"u1","amount":"1","request_id":"fq1"}"#, requestID: "f-applied")],
        [debit(#"{"user_id":"u1","amount":"0.5"}"#, idempotencyKey: "fk1")],
        [debit(#"{"user_id":"u1","amount":"0.5"}"#, idempotencyKey: "fk1")],  // duplicate
        [debit(#"{"user_id":"u1","amount":"0.7"}"#, idempotencyKey: "fk1")],  // 409 conflict
        [debit(#"{"user_id":"u1","amount":"100"}"#, requestID: "f-402")],  // 402
        [debit(#"{"user_id":"u2","amount":"1"}"#, requestID: nil)],  // generated id, 402
        [debit(small, requestID: "bad id")],  // replaced id
        [debit(small, contentType: "application/json; charset=utf-8")],
        [handWritten],
        [debit(small, requestID: "fp-1"), debit(small, requestID: "fp-2"), debit(small, requestID: "fp-3")],
        // Charge limit (30 a minute in this test), pipelined: the 31st debit of u4 within the minute is 429.
        (0..<31).map { debit(#"{"user_id":"u4","amount":"0.001"}"#, requestID: "fc-\($0)") },
    ]

    static var plainConnection: Connection {
        Connection(
            plainDebits + [
                // Then a router request switches the connection to the codec; the post-codec handler takes the
                // debits after it.
                [get("/healthz"), debit(small, requestID: "after-get")],
                [debit(small, requestID: "after-get-2")],
            ])
    }

    /// One debit written a byte at a time, then one split between head and body, then one split inside a header.
    static var splitConnection: Connection {
        let first = debit(small, requestID: "split-1")
        let second = debit(small, requestID: "split-2")
        let third = debit(small, requestID: "split-3")
        let bodyStart = second.utf8.count - small.utf8.count
        let (secondHead, secondBody) = (String(second.prefix(bodyStart)), String(second.dropFirst(bodyStart)))
        var writes = first.map { String($0) }
        var counts = Array(repeating: 0, count: writes.count - 1) + [1]
        writes += [secondHead, secondBody, String(third.prefix(40)), String(third.dropFirst(40))]
        counts += [0, 1, 0, 1]
        return Connection(writes: writes, responseCounts: counts)
    }

    /// Requests the front does not take, each after a plain debit it does take, on a connection of its own.
    static let handedOn: [(String, String)] = [
        (
            "chunked",
            postHead + "Transfer-Encoding: chunked\r\n\r\n"
                + "\(String(small.utf8.count, radix: 16))\r\n\(small)\r\n0\r\n\r\n"
        ),
        ("HTTP/1.0", debit(small, requestID: "h10").replacingOccurrences(of: "HTTP/1.1", with: "HTTP/1.0")),
        (
            "duplicate Content-Length",
            postHead + "Content-Length: \(small.utf8.count)\r\nContent-Length: \(small.utf8.count)\r\n\r\n\(small)"
        ),
        ("header too large", debit(small, extraHeaders: "X-Big: \(String(repeating: "b", count: 90 * 1_024))\r\n")),
        ("garbage", "BROKEN REQUEST\r\n\r\n"),
        ("Connection: close", debit(small, requestID: "close", extraHeaders: "Connection: close\r\n")),
        ("obs-fold", debit(small, requestID: "fold", extraHeaders: "X-Folded: a\r\n b\r\n")),
        ("bad body", debit(#"{"user_id":"u1","amount":"#, requestID: "bad-body")),
        ("unknown key", debit(small, key: "tg_nonsense")),
        ("user key", debit(small, key: user.key)),
        ("no Content-Length", postHead + "\r\n"),
        ("query string", debit(small).replacingOccurrences(of: "/api/v1/debits ", with: "/api/v1/debits?x=1 ")),
        ("GET", get("/healthz")),
        ("repeated X-Request-ID", debit(small, requestID: "one", extraHeaders: "X-Request-ID: two\r\n")),
    ]

    /// A debit head without `Content-Length`, for the hand-framed cases.
    static let postHead =
        "POST /api/v1/debits HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(service.key)\r\n"
        + "X-Request-ID: framed\r\nContent-Type: application/json\r\n"

    static var handedOnConnections: [Connection] {
        // The debit before is another user's each time (402: no credit), so u1 stays under the charge limit and the
        // requests handed on reach their routes.
        handedOn.enumerated().map { index, named in
            Connection([[debit(#"{"user_id":"b\#(index)","amount":"1"}"#, requestID: "before")], [named.1]])
        }
    }

    static let grant = Connection([[DebitFastPathTests.grant]])

    /// Three pipelined debits, then the client closes its sending side: all three are still answered.
    static let halfClosed = Connection(
        writes: [(1...3).map { debit(small, requestID: "half-\($0)") }.joined()], responseCounts: [3], halfCloses: true)

    /// The same after a router request, on a connection the front has handed to the codec: the post-codec handler's
    /// debits are answered too (whether the half-close arrives before their answers depends on timing).
    static let halfClosedAfterGet = Connection(
        writes: [get("/healthz"), (1...2).map { debit(small, requestID: "half-get-\($0)") }.joined()],
        responseCounts: [1, 2], halfCloses: true)

    @Test func responsesAreByteIdenticalToTheRouters() async throws {
        let connections =
            [Self.grant, Self.plainConnection, Self.splitConnection, Self.halfClosed, Self.halfClosedAfterGet]
            + Self.handedOnConnections
        let viaRouter = try await DebitFastPathTests.run(fastPath: false, connections: connections)
        let viaFastPath = try await DebitFastPathTests.run(fastPath: true, connections: connections)
        #expect(viaRouter.taken == 0)
        #expect(viaRouter.responses.count == viaFastPath.responses.count)
        for (index, (routed, fast)) in zip(viaRouter.responses, viaFastPath.responses).enumerated() {
            #expect(routed == fast, "response \(index) differs:\n\(routed)\n---\n\(fast)")
        }
        let plainCount = Self.plainDebits.joined().count
        // Taken by the front: the plain debits before the GET, the three split ones, the three half-closed ones,
        // and the debit before each
        // request handed on.
        #expect(viaFastPath.frontTaken == plainCount + 3 + 3 + Self.handedOn.count)
        // The post-codec handler took the debits after a GET (and any handed-on request it takes itself).
        #expect(viaFastPath.taken >= viaFastPath.frontTaken + 4)
        let statuses = viaFastPath.responses.map { $0.split(separator: " ").dropFirst().first.map(String.init) ?? "" }
        #expect(statuses.contains("402") && statuses.contains("409") && statuses.contains("429"), "\(statuses)")
        #expect(statuses.contains("400") && statuses.contains("401") && statuses.contains("403"), "\(statuses)")
    }

    @Test(arguments: [
        DebitFastPathTests.debit(small), handWritten,
        DebitFastPathTests.debit(small, extraHeaders: "Connection: keep-alive\r\n"),
    ])
    func aPlainRequestIsIncompleteAtEveryPrefixAndWholeAtItsEnd(request: String) {
        let bytes = Array(request.utf8) + Array("GET / HTTP/1.1\r\n".utf8)
        let size = request.utf8.count
        for prefix in 0..<size {
            let outcome = bytes[..<prefix].withUnsafeBytes { Self.parse($0) }
            #expect(outcome == .incomplete, "prefix \(prefix)")
        }
        for end in [size, bytes.count] {
            guard case .request(_, let headSizeBytes, let bodySizeBytes) = bytes[..<end].withUnsafeBytes(Self.parse)
            else {
                Issue.record("not whole at \(end)")
                continue
            }
            #expect(headSizeBytes + bodySizeBytes == size)
        }
    }

    /// Every request handed on in the live test but the bad body (plain bytes; the route refuses the body).
    @Test(arguments: handedOn.filter { $0.0 != "bad body" }.map(\.1) + [
        "post /api/v1/debits HTTP/1.1\r\n", "POST /api/v1/debits HTTP/1.1\n",
        DebitFastPathTests.debit(small, extraHeaders: "Expect: 100-continue\r\n"),
        DebitFastPathTests.debit(small, extraHeaders: "Upgrade: h2c\r\n"),
        DebitFastPathTests.debit(small, extraHeaders: "Bad Name: x\r\n"),
        DebitFastPathTests.debit(small, extraHeaders: "X-Control: a\u{01}b\r\n"),
        DebitFastPathTests.debit(small, extraHeaders: "X-UTF8: é\r\n"),
        DebitFastPathTests.debit(small).replacingOccurrences(of: "Content-Length: ", with: "Content-Length: +"),
    ])
    func requestsOutsideThePlainGrammarAreNotPlain(request: String) {
        let outcome = Array(request.utf8).withUnsafeBytes(Self.parse)
        switch outcome {
        case .notPlain: break
        case .request(let head, _, _):
            // Read as a request, it must still be one the fast path refuses (a bad key or type, a close).
            var principals = PrincipalCache()
            let keys = APIKeyRing(try! APIKeyStore(entries: [Self.service.entry, Self.user.entry]))
            #expect(head.hasExpect || head.connection != nil || PrincipalCache.refuses(head, keys, &principals))
        case .incomplete:
            Issue.record("incomplete: \(request.prefix(60))")
        }
    }

    static func parse(_ bytes: UnsafeRawBufferPointer) -> PlainDebitRequest.Outcome {
        PlainDebitRequest.parse(bytes, headSizeBytesMax: 80 * 1_024, bodySizeBytesMax: 1_024)
    }
}

extension PrincipalCache {
    /// Whether a head's key is not a service key (what ``DebitFastPath/accepts(_:principals:)`` refuses).
    static func refuses(_ head: DebitFastPath.Head, _ keys: APIKeyRing, _ cache: inout PrincipalCache) -> Bool {
        guard let key = AuthMiddleware.presentedKey(authorization: head.authorization, apiKey: head.apiKey),
            let principal = cache.authenticate(key: key, in: keys)
        else { return true }
        return principal.role != .service
    }
}
