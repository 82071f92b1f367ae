/// Lists the top-level member names of a JSON object body, checking only its structure.
///
/// The request body is later spliced into a command line and validated completely by `CommandParser`, so this
/// scan only needs to be exact on well-formed JSON: it finds where the object starts and which names the
/// client sent (to refuse names the server sets itself). Broken structure — not an object, an unterminated
/// string, unbalanced brackets, text after the object — is reported as malformed.
struct JSONObjectKeys {
    struct Malformed: Error {
        var message: String
    }

    /// Index of the opening `{`.
    var openIndex: Int
    /// True for `{}` (whitespace allowed inside).
    var isEmpty: Bool
    /// Member names as they appear, escapes left undecoded (a name spelled with escapes is caught later by the
    /// parser's duplicate-name rule).
    var names: [String]
    /// The byte range of each member's value text, index-aligned with `names`.
    var valueRanges: [Range<Int>]

    /// Nesting deeper than this is refused before the parser sees it.
    static let depthMax = 64

    init(scanning bytes: [UInt8]) throws(Malformed) {
        var index = 0
        Self.skipWhitespace(bytes, &index)
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else {
            throw Malformed(message: "The body must be a JSON object.")
        }
        openIndex = index
        index += 1
        names = []
        valueRanges = []
        Self.skipWhitespace(bytes, &index)
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            isEmpty = true
            index += 1
        } else {
            isEmpty = false
            while true {
                Self.skipWhitespace(bytes, &index)
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                    throw Malformed(message: "Expected a member name at byte \(index).")
                }
                let start = index + 1
                try Self.skipString(bytes, &index)
                names.append(String(decoding: bytes[start..<(index - 1)], as: UTF8.self))
                Self.skipWhitespace(bytes, &index)
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                    throw Malformed(message: "Expected `:` at byte \(index).")
                }
                index += 1
                Self.skipWhitespace(bytes, &index)
                let valueStart = index
                try Self.skipValue(bytes, &index)
                valueRanges.append(valueStart..<index)
                Self.skipWhitespace(bytes, &index)
                guard index < bytes.count else { throw Malformed(message: "The object is not closed.") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "}") else {
                    throw Malformed(message: "Expected `,` or `}` at byte \(index).")
                }
                index += 1
                break
            }
        }
        Self.skipWhitespace(bytes, &index)
        guard index == bytes.count else { throw Malformed(message: "Text after the JSON object at byte \(index).") }
    }

    private static func skipWhitespace(_ bytes: [UInt8], _ index: inout Int) {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// `index` at the opening quote; leaves it after the closing quote.
    private static func skipString(_ bytes: [UInt8], _ index: inout Int) throws(Malformed) {
        index += 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                index += 1
                return
            case UInt8(ascii: "\\"):
                index += 2
            default:
                index += 1
            }
        }
        throw Malformed(message: "Unterminated string.")
    }

    /// Skips one value: strings exactly, containers by balanced brackets, scalars up to a delimiter.
    private static func skipValue(_ bytes: [UInt8], _ index: inout Int) throws(Malformed) {
        skipWhitespace(bytes, &index)
        guard index < bytes.count else { throw Malformed(message: "Missing value.") }
        switch bytes[index] {
        case UInt8(ascii: "\""):
            try skipString(bytes, &index)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var stack: [UInt8] = []
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    try skipString(bytes, &index)
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    stack.append(byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]"))
                    guard stack.count <= depthMax else { throw Malformed(message: "Nesting deeper than \(depthMax).") }
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    guard stack.popLast() == byte else {
                        throw Malformed(message: "Unbalanced brackets at byte \(index).")
                    }
                    if stack.isEmpty {
                        index += 1
                        return
                    }
                default:
                    break
                }
                index += 1
            }
            throw Malformed(message: "Unbalanced brackets.")
        default:
            let start = index
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D:
                    guard index > start else { throw Malformed(message: "Missing value at byte \(index).") }
                    return
                default:
                    index += 1
                }
            }
        }
    }
}
