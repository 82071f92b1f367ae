/// The shapes of result lines: `status`, `seq`, `code`, `http_status`, then the rule's fields.
extension JSONValue {
    static let appliedCode = "ok"
    static let appliedHTTPStatus: Int64 = 200

    static func applied(status: String = "applied", seq: Int64, _ fields: [(String, JSONValue)] = []) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("status", .string(status)), ("seq", .int(seq)), ("code", .string(appliedCode)),
            ("http_status", .int(appliedHTTPStatus)),
        ]
        members.append(contentsOf: fields)
        return .object(members)
    }

    static func rejected(
        seq: Int64, _ code: RejectionCode, entitlementKey: String? = nil, _ fields: [(String, JSONValue)] = []
    ) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("status", .string("rejected")), ("seq", .int(seq)), ("code", .string(code.code)),
            ("http_status", .int(code.httpStatus)), ("message", .string(code.message(entitlementKey: entitlementKey))),
        ]
        members.append(contentsOf: fields)
        return .object(members)
    }
}
