/// The exact value of a JSON number literal, normalized with bounded work:
/// value = (−1)^isNegative × significand × 10^exponent, with the significand's trailing zeros moved into the
/// exponent.
///
/// No binary float is involved anywhere: `1.2345e1` is 12345 × 10⁻³, so it is exactly 12.345. Long digit strings
/// cannot overflow: only the span from the first to the last nonzero digit is accumulated (at most 19 digits; more
/// sets ``significandOverflow``, and such a value is out of every range we accept unless it is not whole), and the
/// exponent saturates far beyond any bound we check.
struct DecimalNumber: Hashable {
    var isNegative: Bool
    /// The nonzero digits, first to last, as an integer; 0 for zero.
    var significand: UInt64
    /// The number of digits from the first to the last nonzero digit (0 for zero).
    var significandDigitCount: Int
    /// More than 19 significant digits: `significand` is not exact, but the value is ≥ 10¹⁸ × 10^exponent.
    var significandOverflow: Bool
    var exponent: Int

    /// Exponent digits stop accumulating here: far beyond any bound, far below Int overflow.
    static let exponentSaturation = 100_000_000_000_000_000

    init(isNegative: Bool, significand: UInt64, significandDigitCount: Int, significandOverflow: Bool, exponent: Int) {
        self.isNegative = isNegative
        self.significand = significand
        self.significandDigitCount = significandDigitCount
        self.significandOverflow = significandOverflow
        self.exponent = exponent
    }

    var isZero: Bool { significand == 0 && !significandOverflow }

    enum Failure: Error, Hashable {
        /// The value has a fraction below the unit asked for.
        case notWhole
        /// The value is whole but beyond the range asked for.
        case outOfRange
    }

    /// Parses the number literal starting at `start`:
    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`. Returns the value and the index just after the literal,
    /// or nil when the bytes at `start` do not form one. A digit right after a leading `0` ends the literal (the
    /// caller sees it as trailing garbage).
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (value: DecimalNumber, end: Int)? {
        var index = start
        let count = bytes.count
        var value = DecimalNumber(
            isNegative: false, significand: 0, significandDigitCount: 0, significandOverflow: false, exponent: 0)
        if index < count, bytes[index] == UInt8(ascii: "-") {
            value.isNegative = true
            index += 1
        }
        var pendingZeroCount = 0  // zeros after the last nonzero digit so far

        @inline(__always)
        func add(_ digit: UInt64) {
            if digit == 0 {
                if value.significandDigitCount > 0 { pendingZeroCount += 1 }
                return
            }
            let newDigitCount =
                value.significandDigitCount == 0 ? 1 : value.significandDigitCount + pendingZeroCount + 1
            if newDigitCount > 19 {
                value.significandOverflow = true
            } else {
                for _ in 0..<(value.significandDigitCount == 0 ? 0 : pendingZeroCount + 1) { value.significand *= 10 }
                value.significand += digit
            }
            value.significandDigitCount = newDigitCount
            pendingZeroCount = 0
        }

        // Integer part.
        guard index < count else { return nil }
        let first = bytes[index]
        if first == UInt8(ascii: "0") {
            index += 1
        } else if first >= UInt8(ascii: "1") && first <= UInt8(ascii: "9") {
            while index < count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                add(UInt64(bytes[index] - UInt8(ascii: "0")))
                index += 1
            }
        } else {
            return nil
        }
        // Fraction.
        var fractionDigitCount = 0
        if index < count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                add(UInt64(bytes[index] - UInt8(ascii: "0")))
                index += 1
            }
            fractionDigitCount = index - fractionStart
            guard fractionDigitCount > 0 else { return nil }
        }
        // Exponent.
        var exponent = 0
        if index < count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            var exponentIsNegative = false
            if index < count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                exponentIsNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            let exponentStart = index
            while index < count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                if exponent < exponentSaturation {
                    exponent = exponent * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                }
                index += 1
            }
            guard index > exponentStart else { return nil }
            if exponentIsNegative { exponent = -exponent }
        }
        if value.significandDigitCount > 0 {
            value.exponent = exponent - fractionDigitCount + pendingZeroCount
        }
        return (value, index)
    }

    /// Parses a buffer that must be exactly one number literal, nothing before or after.
    init?(literal bytes: UnsafeBufferPointer<UInt8>) {
        guard let (value, end) = Self.parse(bytes, from: 0), end == bytes.count else { return nil }
        self = value
    }

    /// The value scaled by 10^`scale`, as a whole Int64 within `-magnitudeMax...magnitudeMax`.
    func scaledInteger(scale: Int, magnitudeMax: UInt64) -> Result<Int64, Failure> {
        if isZero { return .success(0) }
        let power = exponent + scale
        guard power >= 0 else { return .failure(.notWhole) }
        // 20 digits already exceed UInt64; any bound we use is below that.
        guard !significandOverflow, significandDigitCount + power <= 20 else { return .failure(.outOfRange) }
        var magnitude = significand
        for _ in 0..<power {
            let (product, overflow) = magnitude.multipliedReportingOverflow(by: 10)
            guard !overflow else { return .failure(.outOfRange) }
            magnitude = product
        }
        guard magnitude <= magnitudeMax else { return .failure(.outOfRange) }
        if isNegative {
            return .success(magnitude == UInt64(1) << 63 ? Int64.min : -Int64(magnitude))
        }
        guard magnitude <= UInt64(Int64.max) else { return .failure(.outOfRange) }
        return .success(Int64(magnitude))
    }

    /// The value as millicredits: whole in mc and within ±``Millicredits/magnitudeMax``.
    var millicredits: Result<Millicredits, Failure> {
        scaledInteger(scale: 3, magnitudeMax: UInt64(Millicredits.magnitudeMax)).map(Millicredits.init(rawValue:))
    }

    /// The value as a whole Int64.
    var integer: Result<Int64, Failure> {
        scaledInteger(scale: 0, magnitudeMax: UInt64(1) << 63)
    }
}
