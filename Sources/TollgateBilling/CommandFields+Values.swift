/// Typed reads of one member each. Every reader throws an ``InvalidRequest`` naming the field; the optional forms
/// return nil for an absent or `null` member, the `required…` forms reject both.
extension CommandFields {
    // MARK: Errors

    /// "`path`: `problem`", blaming the top-level `field`.
    func invalid(_ field: CommandField, _ problem: String, path: String? = nil) -> InvalidRequest {
        InvalidRequest(field: field.nameString, message: "\(path ?? field.nameString): \(problem)")
    }

    func missing(_ field: CommandField) -> InvalidRequest {
        invalid(field, isPresent(field) ? "required, got null" : "required")
    }

    // MARK: Readers of one value

    func identifierValue(_ token: JSONToken, _ field: CommandField, path: String? = nil) throws(InvalidRequest)
        -> String
    {
        guard token.kind == .string else {
            throw invalid(field, "expected an identifier string, got \(token.kindName)", path: path)
        }
        let value: String? = scanner.withStringBytes(token) { bytes in
            Identifier.isValid(bytes) ? String(decoding: bytes, as: UTF8.self) : nil
        }
        guard let value else {
            throw invalid(field, "not an identifier (1–128 bytes of A-Z a-z 0-9 . _ : @ -)", path: path)
        }
        return value
    }

    /// A number, or a string spelled exactly as a JSON number literal; a whole number of millicredits within
    /// ±9e15 mc.
    func amountValue(_ token: JSONToken, _ field: CommandField, path: String? = nil) throws(InvalidRequest)
        -> Millicredits
    {
        let number: DecimalNumber?
        switch token.kind {
        case .number:
            number = DecimalNumber(literal: scanner.rawBytes(token))
        case .string:
            number = scanner.withStringBytes(token) { bytes in DecimalNumber(literal: bytes) }
            guard number != nil else {
                throw invalid(field, "not an amount: a string amount must be a JSON number literal", path: path)
            }
        default:
            throw invalid(field, "expected an amount (number or numeric string), got \(token.kindName)", path: path)
        }
        guard let number else { throw invalid(field, "not a number", path: path) }
        switch number.millicredits {
        case .success(let value): return value
        case .failure(.notWhole): throw invalid(field, "not a whole number of millicredits", path: path)
        case .failure(.outOfRange): throw invalid(field, "beyond ±9e15 millicredits", path: path)
        }
    }

    /// A JSON number (never a string) whose value is whole and fits Int64.
    func integerValue(_ token: JSONToken, _ field: CommandField, path: String? = nil) throws(InvalidRequest)
        -> Int64
    {
        guard token.kind == .number, let number = DecimalNumber(literal: scanner.rawBytes(token)) else {
            throw invalid(field, "expected an integer number, got \(token.kindName)", path: path)
        }
        switch number.integer {
        case .success(let value): return value
        case .failure(.notWhole): throw invalid(field, "not a whole number", path: path)
        case .failure(.outOfRange): throw invalid(field, "does not fit a 64-bit integer", path: path)
        }
    }

    func boolValue(_ token: JSONToken, _ field: CommandField, path: String? = nil) throws(InvalidRequest) -> Bool {
        switch token.kind {
        case .true: return true
        case .false: return false
        default: throw invalid(field, "expected true or false, got \(token.kindName)", path: path)
        }
    }

    func textValue(_ token: JSONToken, _ field: CommandField) throws(InvalidRequest) -> String {
        guard token.kind == .string else { throw invalid(field, "expected a string, got \(token.kindName)") }
        return scanner.string(token)
    }

    func timestampValue(_ token: JSONToken, _ field: CommandField) throws(InvalidRequest) -> Timestamp {
        let value: Timestamp? =
            token.kind == .string ? scanner.withStringBytes(token) { bytes in Timestamp(rfc3339Bytes: bytes) } : nil
        guard let value else {
            throw invalid(field, "not an RFC 3339 UTC time YYYY-MM-DDTHH:MM:SS[.fff]Z")
        }
        return value
    }

    // MARK: Optional and required members

    func identifier(_ field: CommandField) throws(InvalidRequest) -> String? {
        guard let token = token(field) else { return nil }
        return try identifierValue(token, field)
    }

    func requiredIdentifier(_ field: CommandField) throws(InvalidRequest) -> String {
        guard let token = token(field) else { throw missing(field) }
        return try identifierValue(token, field)
    }

    func amount(_ field: CommandField) throws(InvalidRequest) -> Millicredits? {
        guard let token = token(field) else { return nil }
        return try amountValue(token, field)
    }

    /// An amount that must be > 0 (grant, debit and refund amounts).
    func positiveAmount(_ field: CommandField) throws(InvalidRequest) -> Millicredits? {
        guard let value = try amount(field) else { return nil }
        guard value.rawValue > 0 else { throw invalid(field, "must be greater than 0") }
        return value
    }

    func requiredPositiveAmount(_ field: CommandField) throws(InvalidRequest) -> Millicredits {
        guard let value = try positiveAmount(field) else { throw missing(field) }
        return value
    }

    func integer(_ field: CommandField) throws(InvalidRequest) -> Int64? {
        guard let token = token(field) else { return nil }
        return try integerValue(token, field)
    }

    /// An integer within `range`, described as `bound` in the message.
    func integer(_ field: CommandField, in range: ClosedRange<Int64>, _ bound: String) throws(InvalidRequest)
        -> Int64?
    {
        guard let value = try integer(field) else { return nil }
        guard range.contains(value) else { throw invalid(field, "must be \(bound)") }
        return value
    }

    func bool(_ field: CommandField) throws(InvalidRequest) -> Bool? {
        guard let token = token(field) else { return nil }
        return try boolValue(token, field)
    }

    func text(_ field: CommandField) throws(InvalidRequest) -> String? {
        guard let token = token(field) else { return nil }
        return try textValue(token, field)
    }

    func timestamp(_ field: CommandField) throws(InvalidRequest) -> Timestamp? {
        guard let token = token(field) else { return nil }
        return try timestampValue(token, field)
    }
}
