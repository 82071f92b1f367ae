/// One scanned JSON value: its kind and where its bytes are in the scanner's buffer.
///
/// For a string, `start..<end` is the content between the quotes (still escaped when `hasEscapes`); for every
/// other kind it is the whole value, brackets included.
struct JSONToken: Hashable {
    enum Kind: UInt8, Hashable {
        case string, number, object, array, `true`, `false`, null
    }

    var kind: Kind
    /// Strings only: the content holds at least one `\` escape, so it must be decoded before use.
    var hasEscapes: Bool
    // 32-bit offsets keep a token at 12 bytes: a command's member table stays small enough to copy cheaply.
    // ``JSONScanner`` only accepts buffers whose offsets fit.
    private var startOffset: UInt32
    private var endOffset: UInt32

    var start: Int { Int(startOffset) }
    var end: Int { Int(endOffset) }

    init(kind: Kind, start: Int, end: Int, hasEscapes: Bool = false) {
        self.kind = kind
        self.hasEscapes = hasEscapes
        self.startOffset = UInt32(truncatingIfNeeded: start)
        self.endOffset = UInt32(truncatingIfNeeded: end)
    }

    /// What a message calls a value of this kind.
    var kindName: String {
        switch kind {
        case .string: "a string"
        case .number: "a number"
        case .object: "an object"
        case .array: "an array"
        case .true, .false: "a boolean"
        case .null: "null"
        }
    }
}
