import Testing

@testable import TollgateHTTP

@Suite struct JSONObjectKeysTests {
    @Test(arguments: [
        ("{}", [String]()),
        (" { } ", []),
        (#"{"a":1}"#, ["a"]),
        (#"{"a":"x,}\"y","b":{"c":[1,{"d":"]"}]},"e":null}"#, ["a", "b", "e"]),
        ("{\n  \"amount\" : \"1.5\" ,\n \"user_id\":\"bob\"\n}\n", ["amount", "user_id"]),
    ])
    func namesOfWellFormedObjects(body: String, names: [String]) throws {
        let keys = try JSONObjectKeys(scanning: Array(body.utf8))
        #expect(keys.names == names)
        #expect(keys.isEmpty == names.isEmpty)
    }

    @Test(arguments: [
        "", "[]", "1", "\"a\"", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":[1}", "{\"a\":1} x",
        "{\"a\":\"unterminated}", "{a:1}", "{\"a\":1 \"b\":2}",
    ])
    func malformedBodies(body: String) {
        #expect(throws: JSONObjectKeys.Malformed.self) { try JSONObjectKeys(scanning: Array(body.utf8)) }
    }

    @Test func nestingIsBounded() throws {
        let deep = "{\"a\":" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}"
        #expect(throws: JSONObjectKeys.Malformed.self) { try JSONObjectKeys(scanning: Array(deep.utf8)) }
        let shallow = "{\"a\":" + String(repeating: "[", count: 10) + String(repeating: "]", count: 10) + "}"
        #expect(try JSONObjectKeys(scanning: Array(shallow.utf8)).names == ["a"])
    }

    @Test func valueRangesCoverTheValueText() throws {
        let body = Array(#"{"enforcement_enabled" : true , "x": {"y":[1]}}"#.utf8)
        let keys = try JSONObjectKeys(scanning: body)
        #expect(keys.valueRanges.map { String(decoding: body[$0], as: UTF8.self) } == ["true", #"{"y":[1]}"#])
    }
}
