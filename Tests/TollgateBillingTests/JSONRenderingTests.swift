import Testing

@testable import TollgateBilling

/// `renderUTF8(into:)` writes exactly the bytes of `rendered`.
@Suite struct JSONRenderingTests {
    static let values: [JSONValue] = [
        .null, .bool(true), .bool(false), .int(0), .int(-1), .int(.min), .int(.max), .amount(.zero),
        .amount(Millicredits(rawValue: -1)), .amount(Millicredits(rawValue: 12_500)),
        .amount(Millicredits(rawValue: .min)), .amount(Millicredits(rawValue: .max)), .string(""),
        .string("plain"), .string("quote \" backslash \\ newline \n tab \t nul \u{0} bell \u{7} é 😀"),
        .array([]), .array([.int(1), .string("a"), .null]),
        .object([]), .object([("k\"ey", .object([("inner", .array([.amount(Millicredits(rawValue: 5))]))]))]),
    ]

    @Test(arguments: values)
    func matchesRendered(_ value: JSONValue) {
        var bytes: [UInt8] = [0x41]
        value.renderUTF8(into: &bytes)
        #expect(bytes == [0x41] + Array(value.rendered.utf8))
    }

    /// Every result line of a random stream renders identically both ways.
    @Test func resultsMatchRendered() {
        let run = ModelPropertyTests.run(seed: 5, enforcement: false, checkEachStep: false)
        var bytes: [UInt8] = []
        for result in run.results {
            bytes.removeAll(keepingCapacity: true)
            result.renderUTF8(into: &bytes)
            #expect(bytes == Array(result.rendered.utf8))
        }
    }
}
