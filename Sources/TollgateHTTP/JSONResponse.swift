import HTTPTypes
import Hummingbird
import TollgateBilling

extension HTTPField.Name {
    /// The correlation id: accepted from the client when well formed, else generated; returned on every response.
    public static let requestID = HTTPField.Name("X-Request-ID")!
    /// `Authorization: Bearer <key>` is preferred; `X-API-Key: <key>` is accepted too.
    public static let apiKey = HTTPField.Name("X-API-Key")!
    public static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
}

/// Renders ordered JSON (``JSONValue``) as a response. Every body the API sends goes through here.
public enum JSONResponse {
    public static func make(
        status: HTTPResponse.Status, body: JSONValue, requestID: String?, rawMembers: [(String, String)] = []
    ) -> Response {
        render(status: status, body: body, requestID: requestID, rawMembers: rawMembers).response
    }

    /// The response and its body's bytes: the debit fast path writes the bytes to the channel itself, and
    /// Hummingbird's `ResponseBody` does not hand them out.
    static func render(
        status: HTTPResponse.Status, body: JSONValue, requestID: String?, rawMembers: [(String, String)] = []
    ) -> RenderedResponse {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        body.renderUTF8(into: &bytes)
        if !rawMembers.isEmpty, case .object(let members) = body {
            // Members whose value is already JSON text (module rules as stored), appended after the others.
            bytes.removeLast()
            for (index, (name, json)) in rawMembers.enumerated() {
                if index > 0 || !members.isEmpty { bytes.append(UInt8(ascii: ",")) }
                JSONValue.string(name).renderUTF8(into: &bytes)
                bytes.append(UInt8(ascii: ":"))
                bytes.append(contentsOf: json.utf8)
            }
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: "\n"))
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let requestID { headers[.requestID] = requestID }
        let buffer = ByteBuffer(bytes: bytes)
        return RenderedResponse(
            response: Response(status: status, headers: headers, body: ResponseBody(byteBuffer: buffer)),
            body: buffer)
    }
}

/// A response whose body is one buffer, kept beside it (see ``JSONResponse/render(status:body:requestID:rawMembers:)``).
struct RenderedResponse {
    var response: Response
    let body: ByteBuffer
}

extension HTTPResponse.Status {
    /// 402, which swift-http-types does not name: `insufficient_credits`.
    public static var paymentRequired: Self { .init(code: 402, reasonPhrase: "Payment Required") }
}
