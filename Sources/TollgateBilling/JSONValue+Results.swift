/// The shapes of result lines: `status`, `seq`, `code`, `http_status`, then the rule's fields.
extension JSONValue {
    static let appliedCode = "ok"
    static let appliedHTTPStatus: Int64 = 200

    static func applied(status: String = "applied", seq: Int64, _ fields: [(String, JSONValue)] = []) -> JSONValue {
        var members = appliedMembers(status: status, seq: seq, extraCount: fields.count)
        members.append(contentsOf: fields)
        return .object(members)
    }

    /// The four common members of an applied (or duplicate) result, with room for `extraCount` more, so that a
    /// result is built in one allocation.
    static func appliedMembers(status: String, seq: Int64, extraCount: Int) -> [(String, JSONValue)] {
        var members: [(String, JSONValue)] = []
        members.reserveCapacity(4 + extraCount)
        members.append(("status", .string(status)))
        members.append(("seq", .int(seq)))
        members.append(("code", .string(appliedCode)))
        members.append(("http_status", .int(appliedHTTPStatus)))
        return members
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
