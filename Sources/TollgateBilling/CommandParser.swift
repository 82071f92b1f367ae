/// Turns one input line into a validated ``Command`` or the ``InvalidRequest`` saying why it is invalid.
///
/// The grammar is SEMANTICS.md's ("Commands", "Flags", "Edge cases, settled → Input grammar"); the choices it
/// leaves open are listed in `docs/input-grammar.md`. The line is scanned once as strict JSON over its UTF-8
/// bytes (``JSONScanner``), with no Foundation, no floating point and no allocation beyond the strings the
/// command keeps.
public enum CommandParser {
    /// The longest line accepted. Longer lines are `invalid` without being scanned.
    public static let lineSizeBytesMax = 1 << 20
    /// The longest compact JSON text of `module_rules` (16 KiB).
    public static let moduleRulesSizeBytesMax = 16 * 1024
    /// The largest admin grant: 10,000 credits.
    public static let adminGrantMax = Millicredits.credits(10_000)

    /// Parses one input line — one JSON object, without its trailing `"\n"` (a trailing `"\r"`, like any JSON
    /// whitespace around the object, is accepted) — into a command, or the reason it is invalid.
    ///
    /// Pass `line.utf8` for a `String`; byte arrays, slices and `Data`-like contiguous collections are read in
    /// place.
    @inlinable
    public static func parse(_ line: some Collection<UInt8>) -> Result<Command, InvalidRequest> {
        if let result = line.withContiguousStorageIfAvailable({ bytes in parse(bytes: bytes) }) {
            return result
        }
        return Array(line).withUnsafeBufferPointer { bytes in parse(bytes: bytes) }
    }

    @usableFromInline
    static func parse(bytes: UnsafeBufferPointer<UInt8>) -> Result<Command, InvalidRequest> {
        do throws(InvalidRequest) {
            return .success(try command(bytes))
        } catch {
            return .failure(error)
        }
    }

    static func command(_ bytes: UnsafeBufferPointer<UInt8>) throws(InvalidRequest) -> Command {
        guard bytes.count <= lineSizeBytesMax else {
            throw InvalidRequest(message: "line longer than \(lineSizeBytesMax) bytes")
        }
        let fields = try CommandFields(scanning: bytes)
        let op = try operation(of: fields)
        let unknownMask = fields.presentMask & ~op.allowedFieldMask
        if unknownMask != 0 {
            let field = fields.presentFields().first { unknownMask & $0.bit != 0 }!
            throw InvalidRequest(
                field: field.nameString, message: "\(field.nameString): unknown field for op \(op.rawValue)")
        }
        switch op {
        case .grant: return .grant(try grant(fields))
        case .debit: return .debit(try debit(fields))
        case .refund: return .refund(try refund(fields))
        case .setFlag: return .setFlag(try setFlag(fields))
        case .clearFlag: return .clearFlag(try clearFlag(fields))
        case .definePlan: return .definePlan(try definePlan(fields))
        case .subscribe: return .subscribe(try subscribe(fields))
        case .setOverride: return .setOverride(try setOverride(fields))
        case .clearOverride: return .clearOverride(try clearOverride(fields))
        case .consume: return .consume(try consume(fields))
        case .suspend: return .suspend(try accountAction(fields))
        case .reinstate: return .reinstate(try accountAction(fields))
        case .setUserLimits: return .setUserLimits(try setUserLimits(fields))
        }
    }

    private static func operation(of fields: CommandFields) throws(InvalidRequest) -> CommandOp {
        guard let token = fields.token(.op) else { throw fields.missing(.op) }
        guard token.kind == .string else {
            throw fields.invalid(.op, "expected a string, got \(token.kindName)")
        }
        guard let op = fields.scanner.withStringBytes(token, { name in CommandOp(name: name) }) else {
            throw fields.invalid(.op, "unknown op \"\(fields.scanner.string(token))\"")
        }
        return op
    }
}
