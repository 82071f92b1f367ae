import Foundation
import HTTPTypes
import Hummingbird
import TollgateBilling

extension Request {
    /// The body of a write route: bounded in size (413), JSON by content type (415). An empty body is allowed
    /// without a content type and counts as `{}`.
    func jsonBody(context: TollgateRequestContext) async throws -> [UInt8] {
        let limit = context.bodySizeBytesMax
        let contentType = headers[.contentType]
        // Refuse a body of the wrong type before reading it.
        if let contentType, !Self.isJSON(contentType) { throw APIError.unsupportedMediaType(contentType) }
        if let length = headers[.contentLength].flatMap(Int.init), length > limit {
            throw APIError.bodyTooLarge(limitBytes: limit)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.bodyTooLarge(limitBytes: limit)
        }
        let bytes = Array(buffer.readableBytesView)
        if contentType == nil && !bytes.isEmpty { throw APIError.unsupportedMediaType(nil) }
        return bytes
    }

    /// `application/json` or any `application/…+json`, parameters (charset) ignored.
    static func isJSON(_ contentType: String) -> Bool {
        if contentType == "application/json" || contentType == "application/json; charset=utf-8" { return true }
        let mediaType =
            contentType.split(separator: ";", maxSplits: 1).first.map {
                $0.trimmingCharacters(in: .whitespaces).lowercased()
            } ?? ""
        return mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
    }

    /// The `Idempotency-Key` header as a command member, if sent.
    var idempotencyMember: [(String, JSONValue)] { Self.idempotencyMember(headers) }

    static func idempotencyMember(_ headers: HTTPFields) -> [(String, JSONValue)] {
        idempotencyMember(key: headers[.idempotencyKey])
    }

    /// The member for an `Idempotency-Key` value (shared with the debit fast path, which reads raw bytes).
    static func idempotencyMember(key: String?) -> [(String, JSONValue)] {
        guard let key else { return [] }
        return [("idempotency_key", .string(key))]
    }
}
