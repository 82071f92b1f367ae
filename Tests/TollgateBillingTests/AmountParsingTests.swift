import Testing

@testable import TollgateBilling

struct AmountParsingTests {
    static let exact: [(String, Int64)] = [
        ("12", 12_000), ("12.5", 12_500), ("0.001", 1), ("-0.001", -1), ("1.0000", 1000), ("2e0", 2000),
        ("1.2345e1", 12_345), ("1.2345E+1", 12_345), ("12345e-3", 12_345), ("0", 0), ("-0", 0), ("0.0", 0),
        ("-0.000", 0), ("0e400", 0), ("0e-400", 0), ("0.000e999999", 0), ("-0e99999999999999999999999", 0),
        ("9000000000000", 9_000_000_000_000_000), ("-9000000000000", -9_000_000_000_000_000),
        ("9e12", 9_000_000_000_000_000), ("9000000000000.000", 9_000_000_000_000_000),
        ("8999999999999.999", 8_999_999_999_999_999), ("0.0010", 1), ("100e-5", 1), ("1e-3", 1),
        ("1" + String(repeating: "0", count: 400) + "e-400", 1000),
        ("0." + String(repeating: "0", count: 400) + "1e401", 1000),
        ("1." + String(repeating: "0", count: 500), 1000),
        ("0." + String(repeating: "0", count: 300) + "e-7", 0),
        ("10000", 10_000_000), ("123.456", 123_456), ("0.5e1", 5000),
    ]

    static let invalid: [String] = [
        "1.0005", "0.0001", "1e-4", "12345e-4", "1e400", "-1e400", "9000000000000.001", "-9000000000000.001",
        "9000000000001", "9e13", "1" + String(repeating: "0", count: 30), "1e99999999999999999999",
        "0.1e-99999999999999999999", "+5", " 5", "5 ", ".5", "5.", "NaN", "nan", "Infinity", "-Infinity", "",
        "-", "01", "00", "-01", "1e", "1e+", "1.e3", "0x1", "1_000", "1,5", "１", "5\n", "\"5\"",
        "1." + String(repeating: "0", count: 500) + "1",
    ]

    // SEMANTICS.md "Units": amounts are a whole number of millicredits by value, parsed exactly; ±9e15 mc.
    // "Input grammar": `1.0000`, `2e0`, `1.2345e1` are fine (1, 2, 12.345 credits); ±9e15 mc exactly is allowed;
    // "a zero is 0 whatever its exponent".
    @Test(arguments: exact)
    func parsesExactly(text: String, millicredits: Int64) {
        #expect(Millicredits(decimalText: text) == Millicredits(rawValue: millicredits), "\(text)")
    }

    // "`1.0005` is invalid"; "exponent overflow (`1e400`)"; "beyond ±9e15 millicredits"; strings "must be spelled
    // exactly as a JSON number literal: `+5`, ` 5`, `.5`, `5.`, `NaN`, `""` → invalid".
    @Test(arguments: invalid)
    func rejects(text: String) {
        #expect(Millicredits(decimalText: text) == nil, "\(text)")
    }

    // Integer fields: "a JSON number whose value is whole (`5`, `5e0`, `5.0`) and fits Int64".
    @Test(arguments: [
        ("5", 5 as Int64), ("5e0", 5), ("5.0", 5), ("50e-1", 5), ("-1", -1), ("0", 0), ("-0", 0),
        ("1e18", 1_000_000_000_000_000_000),
        ("9223372036854775807", Int64.max), ("-9223372036854775808", Int64.min), ("0e999", 0),
        ("9223372036854775807.000", Int64.max), ("922337203685477580.7e1", Int64.max),
    ])
    func parsesIntegers(text: String, value: Int64) {
        let number = Array(text.utf8).withUnsafeBufferPointer { DecimalNumber(literal: $0) }
        #expect(number?.integer == .success(value), "\(text)")
    }

    @Test(arguments: [
        ("1.5", DecimalNumber.Failure.notWhole), ("5e-1", .notWhole), ("9223372036854775808", .outOfRange),
        ("-9223372036854775809", .outOfRange), ("1e19", .outOfRange), ("1e400", .outOfRange),
        ("12345678901234567890123", .outOfRange), ("1.00000000000000000000001", .notWhole),
    ])
    func rejectsIntegers(text: String, failure: DecimalNumber.Failure) {
        let number = Array(text.utf8).withUnsafeBufferPointer { DecimalNumber(literal: $0) }
        #expect(number?.integer == .failure(failure), "\(text)")
    }

    /// Every Int64 millicredit value in range prints (`formatted`) and parses back to itself.
    @Test(arguments: 0..<8 as Range<UInt64>)
    func formattedRoundTrips(seed: UInt64) {
        var random = ParserRandom(seed: seed)
        for _ in 0..<2000 {
            let raw = Int64(bitPattern: random.next()) % (Millicredits.magnitudeMax + 1)
            let value = Millicredits(rawValue: raw >> (random.next() % 60))
            #expect(Millicredits(decimalText: value.formatted) == value, "\(value.formatted)")
        }
    }
}

extension AmountParsingTests {
    /// Random number literals (many digits, zeros, exponents) against an independent string-based reference:
    /// digits × 10^(exponent + 3) must be a whole number within ±9e15 mc.
    @Test(arguments: 0..<16 as Range<UInt64>)
    func agreesWithStringReference(seed: UInt64) {
        var random = ParserRandom(seed: seed)
        func digits(_ count: UInt64, zeroHeavy: Bool) -> String {
            String(
                (0..<count).map { _ in
                    Character(String(zeroHeavy && random.next() % 2 == 0 ? 0 : random.next() % 10))
                })
        }
        var acceptedCount = 0
        for _ in 0..<2000 {
            let zeroHeavy = random.next() % 2 == 0
            var integerPart = digits(1 + random.next() % 12, zeroHeavy: zeroHeavy)
            while integerPart.count > 1 && integerPart.hasPrefix("0") { integerPart.removeFirst() }
            let fractionPart = random.next() % 2 == 0 ? "" : digits(1 + random.next() % 12, zeroHeavy: zeroHeavy)
            let exponent = random.next() % 3 == 0 ? 0 : Int(random.next() % 41) - 20
            let negative = random.next() % 4 == 0
            var literal = (negative ? "-" : "") + integerPart
            if !fractionPart.isEmpty { literal += "." + fractionPart }
            if exponent != 0 { literal += "e\(exponent)" }
            let parsed = Millicredits(decimalText: literal)?.rawValue
            if parsed != nil { acceptedCount += 1 }
            #expect(
                parsed
                    == Self.referenceMillicredits(
                        integerPart + fractionPart, exponent - fractionPart.count + 3, negative),
                "\(literal)")
        }
        #expect(acceptedCount > 200 && acceptedCount < 1800, "both outcomes exercised: \(acceptedCount)")
    }

    /// `digits × 10^shift` in mc by string manipulation only; nil unless whole and within ±9e15.
    static func referenceMillicredits(_ digits: String, _ shift: Int, _ negative: Bool) -> Int64? {
        var digits = String(digits.drop { $0 == "0" })
        if digits.isEmpty { return 0 }
        if shift < 0 {
            // A nonzero digit below the millicredit is not whole.
            guard digits.count > -shift, digits.suffix(-shift).allSatisfy({ $0 == "0" }) else { return nil }
            digits.removeLast(-shift)
        } else {
            guard digits.count + shift <= 16 else { return nil }
            digits += String(repeating: "0", count: shift)
        }
        guard digits.count < 16 || (digits.count == 16 && digits <= "9000000000000000") else { return nil }
        let magnitude = Int64(digits)!
        return negative ? -magnitude : magnitude
    }
}
