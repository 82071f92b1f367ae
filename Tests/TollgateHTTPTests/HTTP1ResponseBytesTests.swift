import HTTPTypes
import Hummingbird
import NIOCore
import Testing
import TollgateBilling

@testable import TollgateHTTP

/// The front's direct rendering of a JSON answer (``HTTP1ResponseBytes/renderJSON(status:body:requestID:date:server:allocator:)``)
/// writes the same bytes as the general path it replaces for a 200: ``JSONResponse`` → `Date` and `Server` added
/// as ``DebitFastPath`` adds them → ``HTTP1ResponseBytes/render(_:body:allocator:)``.
@Suite struct HTTP1ResponseBytesTests {
    static let date = HTTPDate.format(secondsSinceEpoch: 1_795_542_753)

    static let bodies: [JSONValue] = [
        .object([
            ("status", .string("applied")), ("seq", .int(2)), ("code", .string("ok")), ("http_status", .int(200)),
            ("mode", .string("charged")), ("charged", .amount(Millicredits(rawValue: 1))),
            ("balance_after", .amount(Millicredits(rawValue: 9_999))), ("low_balance", .bool(false)),
        ]),
        .object([("status", .string("duplicate")), ("note", .string("quote \" and é and \u{1}")), ("x", .null)]),
        .object([]),
        .array([.int(-1), .string("")]),
    ]

    static func general(
        status: HTTPResponse.Status, body: JSONValue, requestID: String?, server: String?
    ) -> ByteBuffer {
        let rendered = JSONResponse.render(status: status, body: body, requestID: requestID)
        var response = rendered.response
        response.headers[.date] = date
        if let server { response.headers[.server] = server }
        return HTTP1ResponseBytes.render(response.head, body: rendered.body, allocator: ByteBufferAllocator())
    }

    @Test(arguments: bodies.indices)
    func theDirectRenderingIsTheGeneralOne(index: Int) {
        let body = Self.bodies[index]
        for (requestID, server) in [("0123456789abcdef0123456789abcdef", "tollgate"), ("client-id-1", nil)]
            as [(String?, String?)] + [(nil, "tollgate")]
        {
            for status in [HTTPResponse.Status.ok, .paymentRequired, .init(code: 299, reasonPhrase: "Custom")] {
                let direct = HTTP1ResponseBytes.renderJSON(
                    status: status, body: body, requestID: requestID, date: Self.date, server: server,
                    allocator: ByteBufferAllocator())
                let expected = Self.general(status: status, body: body, requestID: requestID, server: server)
                #expect(String(buffer: direct) == String(buffer: expected), "\(status) \(String(describing: requestID))")
            }
        }
    }

    @Test func theLengthIsTheBodysBytesWithItsNewline() {
        let body = JSONValue.object([("name", .string("é"))])  // two UTF-8 bytes for one character
        let text = String(
            buffer: HTTP1ResponseBytes.renderJSON(
                status: .ok, body: body, requestID: nil, date: Self.date, server: nil,
                allocator: ByteBufferAllocator()))
        let expectedBody = #"{"name":"é"}"# + "\n"
        #expect(text.hasSuffix("\r\n\r\n" + expectedBody))
        #expect(text.contains("Content-Length: \(expectedBody.utf8.count)\r\n"))
    }
}
