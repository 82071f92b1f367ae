import TollgateBilling

/// Turns a request body into a validated ``Command`` through the same parser as `tollgate apply`.
///
/// The body's members are spliced after the members the server sets (`op`, ids from the path, `initiated_by`
/// from the admin's key, `idempotency_key` from the header) to form one command line, which
/// `CommandParser.parse` then validates exactly as it validates a line of `apply`: both paths share one grammar.
/// The client may not send a member the server sets, nor `at` (the server's clock stamps HTTP commands).
enum CommandBody {
    /// Members no HTTP body may carry, whatever the route.
    static let alwaysServerOwned: Set<String> = ["op", "at"]

    static func command(
        op: String, body: [UInt8], setting injected: [(String, JSONValue)], alsoServerOwned: Set<String> = []
    ) throws(APIError) -> Command {
        let keys = try scan(body)
        // Checked member by member rather than through a union of sets: a debit has 3–4 members and 0–1 injected
        // names, and two set unions per request were a measurable share of the route's allocations.
        if let name = keys.names.first(where: { name in
            alwaysServerOwned.contains(name) || injected.contains { $0.0 == name } || alsoServerOwned.contains(name)
        }) {
            throw APIError.invalid(field: name, Self.serverOwnedMessage(name))
        }
        var line: [UInt8] = []
        line.reserveCapacity(body.count + 128)
        line.append(contentsOf: "{\"op\":".utf8)
        JSONValue.string(op).renderUTF8(into: &line)
        for (name, value) in injected {
            line.append(UInt8(ascii: ","))
            JSONValue.string(name).renderUTF8(into: &line)
            line.append(UInt8(ascii: ":"))
            value.renderUTF8(into: &line)
        }
        if !keys.isEmpty {
            line.append(UInt8(ascii: ","))
            line.append(contentsOf: body[(keys.openIndex + 1)...])
        } else {
            line.append(UInt8(ascii: "}"))
        }
        switch CommandParser.parse(line) {
        case .success(let command): return command
        case .failure(let invalid): throw APIError.invalid(invalid)
        }
    }

    /// The top-level members of a body; an empty body counts as `{}`.
    static func scan(_ body: [UInt8]) throws(APIError) -> JSONObjectKeys {
        do {
            return try JSONObjectKeys(scanning: body.isEmpty ? Array("{}".utf8) : body)
        } catch {
            throw APIError.malformedJSON(error.message)
        }
    }

    static func serverOwnedMessage(_ name: String) -> String {
        switch name {
        case "op": "\"op\" is given by the route, not the body."
        case "at": "\"at\" is stamped by the server's clock; the HTTP API does not accept it."
        case "initiated_by": "\"initiated_by\" is the authenticated admin; it is never taken from the body."
        case "idempotency_key":
            "\"idempotency_key\" comes from the Idempotency-Key header; do not repeat it in the body."
        default: "\"\(name)\" is set by the route or the API key, not the body."
        }
    }
}
