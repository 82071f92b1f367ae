/// The members of one command line's top-level object, scanned but not yet interpreted.
///
/// Scanning validates the whole line as JSON (one object, nothing after it), maps every member name to a
/// ``CommandField`` (a name no op has is rejected at once) and rejects a repeated name. The typed accessors then
/// interpret one member each; `null` reads as absent.
struct CommandFields {
    let scanner: JSONScanner
    /// Room for every ``CommandField`` (checked by a test).
    static let fieldCountMax = 26
    private var tokens: InlineArray<26, JSONToken>
    /// Bit `field.rawValue` is set when the field is present (even as `null`).
    private(set) var presentMask: UInt32 = 0
    /// Present fields in input order (the first `presentCount` entries).
    private var order: InlineArray<26, CommandField>
    private(set) var presentCount = 0

    init(scanning bytes: UnsafeBufferPointer<UInt8>) throws(InvalidRequest) {
        var scanner = JSONScanner(bytes)
        self.scanner = scanner
        tokens = InlineArray(repeating: JSONToken(kind: .null, start: 0, end: 0))
        order = InlineArray(repeating: .op)

        scanner.skipWhitespace()
        guard let first = scanner.peek() else {
            throw InvalidRequest(message: "blank line: expected one JSON object")
        }
        guard first == UInt8(ascii: "{") else {
            throw InvalidRequest(message: "the line is not a JSON object")
        }
        scanner.index += 1
        var isFirst = true
        while let key = try Self.json({ () throws(JSONScanner.Error) in try scanner.nextObjectKey(isFirst: &isFirst) })
        {
            guard let field = scanner.withStringBytes(key, { name in CommandField(name: name) }) else {
                let name = scanner.string(key)
                throw InvalidRequest(field: name, message: "\(name): unknown field")
            }
            guard presentMask & field.bit == 0 else {
                throw InvalidRequest(field: field.nameString, message: "\(field.nameString): duplicate key")
            }
            let value = try Self.json({ () throws(JSONScanner.Error) in try scanner.scanValue(depth: 1) })
            presentMask |= field.bit
            tokens[Int(field.rawValue)] = value
            order[presentCount] = field
            presentCount += 1
        }
        scanner.skipWhitespace()
        guard scanner.isAtEnd else {
            throw InvalidRequest(
                message: "invalid JSON at byte \(scanner.index): unexpected characters after the JSON object")
        }
    }

    /// Runs a scanner step, turning a syntax error into the line's ``InvalidRequest``.
    @inline(__always)
    static func json<T>(_ step: () throws(JSONScanner.Error) -> T) throws(InvalidRequest) -> T {
        do { return try step() } catch { throw InvalidRequest(syntaxError: error) }
    }

    // MARK: Presence

    /// The value of a field, nil when absent or `null`.
    @inline(__always)
    func token(_ field: CommandField) -> JSONToken? {
        guard presentMask & field.bit != 0 else { return nil }
        let token = tokens[Int(field.rawValue)]
        return token.kind == .null ? nil : token
    }

    /// Whether the member is in the object at all, `null` included.
    @inline(__always)
    func isPresent(_ field: CommandField) -> Bool { presentMask & field.bit != 0 }

    /// The present fields in input order.
    func presentFields() -> [CommandField] {
        (0..<presentCount).map { order[$0] }
    }
}

extension InvalidRequest {
    init(syntaxError error: JSONScanner.Error) {
        self.init(message: "invalid JSON at byte \(error.offset): \(error.reason)")
    }
}
