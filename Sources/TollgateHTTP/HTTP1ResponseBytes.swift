import HTTPTypes
import NIOCore
import NIOHTTP1
import TollgateBilling

/// A whole HTTP/1.1 response as the bytes NIO's HTTP/1 encoder would send for it, in one buffer.
///
/// The debit fast path's byte-level front (``DebitFastPathFront``) answers without NIO's codec; the response it
/// writes is the one the router's pieces render (an `HTTPResponse` and its body), serialised here as
/// `HTTP1ToHTTPServerCodec` + `HTTPResponseEncoder` serialise it: the status line with NIO's reason phrase for the
/// code (NIO writes its own phrase for every code it knows, the given one only for others), every field in order
/// as `name: value` with the field's name as written, an empty line, the body. Framing is the response's own
/// `Content-Length`, which every rendered response carries (Hummingbird's `Response` sets it from its one-buffer
/// body; the encoder would add `transfer-encoding: chunked` without it).
enum HTTP1ResponseBytes {
    /// One buffer: head and body (one `write` per response instead of head, body and end).
    static func render(_ response: HTTPResponse, body: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        // Checked in debug builds only: two header lookups per response were 2.6 % of a debit's server CPU.
        assert(response.headerFields[.contentLength] != nil, "a fast-path response carries Content-Length")
        assert(response.headerFields[.transferEncoding] == nil, "a fast-path response is not chunked")
        var buffer = allocator.buffer(capacity: 256 + body.readableBytes)
        writeStatusLine(response.status, into: &buffer)
        for field in response.headerFields {
            buffer.writeString(field.name.rawName)
            buffer.writeStaticString(": ")
            buffer.writeString(field.value)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("\r\n")
        var body = body
        buffer.writeBuffer(&body)
        return buffer
    }

    /// The response ``JSONResponse/render(status:body:requestID:rawMembers:)`` makes, with the `Date` and `Server`
    /// fields the application adds, as ``render(_:body:allocator:)`` would write it — but straight from the
    /// result, without building and walking `HTTPFields`. The fields and their order are those of that path:
    /// `Content-Type`, `X-Request-ID` (when given), `Content-Length` (Hummingbird's, from the one-buffer body),
    /// `Date`, `Server` (when named). `requestID`, `date` and `server` are the fast path's own well-formed values
    /// (an accepted or generated request id, ``HTTPDate``, the configured server name). Kept identical to the
    /// general path by `HTTP1ResponseBytesTests` and, end to end, `DebitFastPathFrontTests`.
    static func renderJSON(
        status: HTTPResponse.Status, body: JSONValue, requestID: String?, date: String, server: String?,
        allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        var bodyBytes: [UInt8] = []
        bodyBytes.reserveCapacity(256)
        body.renderUTF8(into: &bodyBytes)
        bodyBytes.append(UInt8(ascii: "\n"))
        var buffer = allocator.buffer(capacity: 256 + bodyBytes.count)
        writeStatusLine(status, into: &buffer)
        buffer.writeStaticString("Content-Type: application/json; charset=utf-8\r\n")
        if let requestID {
            buffer.writeStaticString("X-Request-ID: ")
            buffer.writeString(requestID)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("Content-Length: ")
        buffer.writeString(String(bodyBytes.count))
        buffer.writeStaticString("\r\nDate: ")
        buffer.writeString(date)
        buffer.writeStaticString("\r\n")
        if let server {
            buffer.writeStaticString("Server: ")
            buffer.writeString(server)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("\r\n")
        buffer.writeBytes(bodyBytes)
        return buffer
    }

    /// `HTTP/1.1 <code> <phrase>` and CRLF, with NIO's reason phrase for every code it knows (its encoder's rule).
    private static func writeStatusLine(_ status: HTTPResponse.Status, into buffer: inout ByteBuffer) {
        let nioStatus = HTTPResponseStatus(statusCode: status.code, reasonPhrase: status.reasonPhrase)
        buffer.writeStaticString("HTTP/1.1 ")
        buffer.writeString(String(nioStatus.code))
        buffer.writeStaticString(" ")
        buffer.writeString(nioStatus.reasonPhrase)
        buffer.writeStaticString("\r\n")
    }
}
