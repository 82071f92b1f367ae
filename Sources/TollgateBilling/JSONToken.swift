/// One scanned JSON value: its kind and where its bytes are in the scanner's buffer.
///
/// For a string, `start..<end` is the content between the quotes (still escaped when `hasEscapes`); for every
/// other kind it is the whole value, brackets included.
struct JSONToken: Hashable {
    enum Kind: UInt8, Hashable {
        case string, number, object, array, `true`, `false`, null
    }

    var kind: Kind
    var start: Int
    var end: Int
    /// Strings only: the content holds at least one `\` escape, so it must be decoded before use.
    var hasEscapes: Bool

    init(kind: Kind, start: Int, end: Int, hasEscapes: Bool = false) {
        self.kind = kind
        self.start = start
        self.end = end
        self.hasEscapes = hasEscapes
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
