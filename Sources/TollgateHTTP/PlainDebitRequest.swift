/// Reads one `POST /api/v1/debits` request from raw bytes, strictly, for ``DebitFastPathFront``.
///
/// "Plain" is a narrow grammar on purpose: the exact request line `POST /api/v1/debits HTTP/1.1`, header lines
/// `name: value` ended by CRLF with a token name and a value of visible ASCII (spaces and tabs inside, trimmed at
/// both ends as llhttp trims them), exactly one `Content-Length` of digits within the body limit, at most one of each
/// header the route reads, and no `Transfer-Encoding`, `Upgrade` or obsolete line folding. Anything else — including
/// what HTTP allows but this reader does not need — is ``Outcome/notPlain`` and goes to NIO's parser untouched, so
/// the answer to an unusual request is always NIO's and the router's, never this reader's guess.
enum PlainDebitRequest {
    static let requestLine: [UInt8] = Array("POST /api/v1/debits HTTP/1.1\r\n".utf8)
    /// Header lines beyond this many make a request not plain (a debit sends five or six).
    static let headerFieldCountMax = 64
    /// Digits of a `Content-Length` beyond this many make a request not plain (the body limit has far fewer).
    static let contentLengthDigitCountMax = 9

    enum Outcome: Equatable {
        /// The bytes so far are the start of a plain request (or of nothing yet).
        case incomplete
        /// Not a request this reader takes: NIO's codec reads it.
        case notPlain
        /// A whole plain request: its head's fields, then `bodySizeBytes` of body after `headSizeBytes` of head.
        case request(DebitFastPath.Head, headSizeBytes: Int, bodySizeBytes: Int)
    }

    /// The headers the route reads, and the ones that make a request not plain.
    private enum Field: Int, CaseIterable {
        case contentType, contentLength, connection, expect, authorization, apiKey, requestID, idempotencyKey
        case transferEncoding, upgrade

        var lowercasedName: [UInt8] {
            switch self {
            case .contentType: Array("content-type".utf8)
            case .contentLength: Array("content-length".utf8)
            case .connection: Array("connection".utf8)
            case .expect: Array("expect".utf8)
            case .authorization: Array("authorization".utf8)
            case .apiKey: Array("x-api-key".utf8)
            case .requestID: Array("x-request-id".utf8)
            case .idempotencyKey: Array("idempotency-key".utf8)
            case .transferEncoding: Array("transfer-encoding".utf8)
            case .upgrade: Array("upgrade".utf8)
            }
        }

        var bit: UInt16 { 1 << UInt16(rawValue) }
    }

    private static let fields: [(name: [UInt8], field: Field)] = Field.allCases.map { ($0.lowercasedName, $0) }

    private static let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n"), colon = UInt8(ascii: ":")
    private static let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")

    /// Reads the request at the start of `bytes` (which may hold less than one request, or more).
    static func parse(_ bytes: UnsafeRawBufferPointer, headSizeBytesMax: Int, bodySizeBytesMax: Int) -> Outcome {
        assert(headSizeBytesMax > requestLine.count && bodySizeBytesMax >= 0)
        let count = bytes.count
        for index in 0..<min(count, requestLine.count) where bytes[index] != requestLine[index] { return .notPlain }
        guard count >= requestLine.count else { return .incomplete }

        var head = DebitFastPath.Head()
        var seen: UInt16 = 0
        var fieldCount = 0
        var lineStart = requestLine.count
        while true {
            // One header line (or the empty line that ends the head): [lineStart, lineEnd) then CRLF.
            var lineEnd = lineStart
            while true {
                guard lineEnd + 2 <= headSizeBytesMax else { return .notPlain }
                guard lineEnd < count else { return .incomplete }
                let byte = bytes[lineEnd]
                if byte == cr {
                    guard lineEnd + 1 < count else { return .incomplete }
                    guard bytes[lineEnd + 1] == lf else { return .notPlain }
                    break
                }
                guard byte != lf else { return .notPlain }  // a bare LF
                lineEnd += 1
            }
            if lineEnd == lineStart { break }  // the end of the head
            fieldCount += 1
            guard fieldCount <= headerFieldCountMax else { return .notPlain }

            var colonIndex = lineStart
            while colonIndex < lineEnd, bytes[colonIndex] != colon {
                guard isTokenByte(bytes[colonIndex]) else { return .notPlain }  // obs-fold starts with SP or HT
                colonIndex += 1
            }
            guard colonIndex < lineEnd, colonIndex > lineStart else { return .notPlain }
            var valueStart = colonIndex + 1
            var valueEnd = lineEnd
            while valueStart < valueEnd, bytes[valueStart] == space || bytes[valueStart] == tab { valueStart += 1 }
            while valueEnd > valueStart, bytes[valueEnd - 1] == space || bytes[valueEnd - 1] == tab { valueEnd -= 1 }
            for index in valueStart..<valueEnd {
                let byte = bytes[index]
                guard (0x21...0x7E).contains(byte) || byte == space || byte == tab else { return .notPlain }
            }

            if let field = field(named: UnsafeRawBufferPointer(rebasing: bytes[lineStart..<colonIndex])) {
                guard seen & field.bit == 0 else { return .notPlain }  // a repeated header
                seen |= field.bit
                let value = UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd])
                switch field {
                case .contentLength:
                    guard let lengthBytes = contentLength(value), lengthBytes <= bodySizeBytesMax else {
                        return .notPlain
                    }
                    head.contentLengthBytes = lengthBytes
                case .transferEncoding, .upgrade: return .notPlain
                case .expect: head.hasExpect = true
                case .contentType: head.contentType = String(decoding: value, as: UTF8.self)
                case .connection: head.connection = String(decoding: value, as: UTF8.self)
                case .authorization: head.authorization = String(decoding: value, as: UTF8.self)
                case .apiKey: head.apiKey = String(decoding: value, as: UTF8.self)
                case .requestID: head.requestID = String(decoding: value, as: UTF8.self)
                case .idempotencyKey: head.idempotencyKey = String(decoding: value, as: UTF8.self)
                }
            }
            lineStart = lineEnd + 2
        }
        let headSizeBytes = lineStart + 2
        guard let bodySizeBytes = head.contentLengthBytes else { return .notPlain }
        guard count - headSizeBytes >= bodySizeBytes else { return .incomplete }
        return .request(head, headSizeBytes: headSizeBytes, bodySizeBytes: bodySizeBytes)
    }

    /// RFC 9110 `tchar`.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// The field a (token) name is, case-insensitively; nil for headers the fast path ignores.
    private static func field(named name: UnsafeRawBufferPointer) -> Field? {
        for (lowercased, field) in fields where lowercased.count == name.count {
            // Sound on token bytes only: `| 0x20` lowercases letters and leaves `-` as it is.
            var equal = true
            for index in 0..<name.count where name[index] | 0x20 != lowercased[index] {
                equal = false
                break
            }
            if equal { return field }
        }
        return nil
    }

    /// 1 to ``contentLengthDigitCountMax`` ASCII digits, else nil.
    private static func contentLength(_ value: UnsafeRawBufferPointer) -> Int? {
        guard (1...contentLengthDigitCountMax).contains(value.count) else { return nil }
        var lengthBytes = 0
        for byte in value {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            lengthBytes = lengthBytes * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return lengthBytes
    }
}
