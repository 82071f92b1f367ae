extension Millicredits {
    /// Parses an amount in credits spelled exactly as a JSON number literal (`12`, `12.5`, `-0.001`, `1.2345e1`),
    /// exactly: nil unless the value is a whole number of millicredits within ±9e15 mc.
    ///
    /// No surrounding whitespace, no `+`, no leading `.` or trailing `.`, no `NaN`. A zero is 0 whatever its
    /// exponent (`0e400`), and `-0` is 0. Used for the `amount`-like fields of commands (number or string) and by
    /// the CLI and HTTP layers for amounts they read.
    public init?(decimalText text: some StringProtocol) {
        var text = String(text)
        let parsed = text.withUTF8 { bytes in DecimalNumber(literal: bytes)?.millicredits }
        guard case .success(let value) = parsed else { return nil }
        self = value
    }
}
