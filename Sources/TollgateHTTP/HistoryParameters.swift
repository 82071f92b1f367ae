import Foundation
import Hummingbird
import TollgateBilling
import TollgateEngine

/// The query parameters of the history routes, checked with the command grammar's rules; a bad one is 422 with
/// its name as `field`.
struct HistoryParameters {
    let request: Request

    /// Unknown parameters are refused, like unknown fields of a command.
    func allowOnly(_ names: Set<String>) throws(APIError) {
        for (name, _) in request.uri.queryParameters where !names.contains(String(name)) {
            throw APIError.invalid(field: String(name), "unknown query parameter \"\(name)\"")
        }
    }

    func string(_ name: String) -> String? {
        request.uri.queryParameters[Substring(name)].map { String($0).removingPercentEncoding ?? String($0) }
    }

    func limit(default defaultValue: Int, max: Int) throws(APIError) -> Int {
        guard let text = string("limit") else { return defaultValue }
        guard let value = Int(text), value >= 1, value <= max else {
            throw APIError.invalid(field: "limit", "limit must be an integer 1…\(max), got \"\(text)\"")
        }
        return value
    }

    func seq(_ name: String) throws(APIError) -> Int64? {
        guard let text = string(name) else { return nil }
        guard let value = Int64(text), value >= 1 else {
            throw APIError.invalid(field: name, "\(name) must be a positive integer (a seq), got \"\(text)\"")
        }
        return value
    }

    func time(_ name: String) throws(APIError) -> Timestamp? {
        guard let text = string(name) else { return nil }
        guard let value = Timestamp(rfc3339: text) else {
            throw APIError.invalid(
                field: name, "\(name) must be an RFC 3339 UTC time like 2026-03-01T00:00:00Z, got \"\(text)\"")
        }
        return value
    }

    func identifier(_ name: String) throws(APIError) -> String? {
        guard let text = string(name) else { return nil }
        guard Self.isIdentifier(text) else {
            throw APIError.invalid(field: name, "\(name) must be 1–128 bytes of [A-Za-z0-9._:@-]")
        }
        return text
    }

    /// The billing identifier grammar (``Identifier``), as every route checks it.
    static func isIdentifier(_ text: String) -> Bool { Identifier.isValid(text) }
}
