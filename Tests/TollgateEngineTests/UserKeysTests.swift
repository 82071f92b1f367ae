import Testing

import TollgateSimulation

@testable import TollgateEngine

/// `UserKeys` (the replay's open-addressing table) numbers ids exactly as a dictionary in order of first sight.
@Suite struct UserKeysTests {
    @Test(arguments: [1, 2, 3] as [UInt64])
    func keysAreDenseInOrderOfFirstSightAsADictionaryGivesThem(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var keys = UserKeys()
        var model: [String: Int32] = [:]
        // ~30k distinct ids (the table grows several times), ids of every length incl. long and non-ASCII ones,
        // each seen many times.
        for _ in 0..<120_000 {
            let n = random.next() % 30_000
            let userID: String
            switch n % 4 {
            case 0: userID = "user-\(n)"
            case 1: userID = "u\(n)"
            case 2: userID = "a-rather-long-user-identifier-beyond-fifteen-bytes-\(n)"
            default: userID = "ü-\(n)"
            }
            let expected = model[userID] ?? Int32(model.count)
            // Looking up by the id's bytes finds exactly the ids that have a key, and inserts nothing.
            var bytes = userID
            #expect(bytes.withUTF8 { keys.existingKey(ofUTF8: $0) } == model[userID])
            model[userID] = expected
            #expect(keys.key(of: userID) == expected)
        }
        #expect(keys.count == model.count)
    }

    @Test func idsThatDifferOnlyLateGetTheirOwnKeys() {
        var keys = UserKeys()
        // Ids that share their first 16 bytes (compared as two words and the length) and differ after them,
        // and ids around the word boundaries whose zero padding must not make them equal.
        let ids =
            (0..<5_000).map { "same-long-prefix-for-every-user-\($0)" }
            + ["", "a", "A", "a\u{0}", "\u{0}", "\u{0}\u{0}", "abcdefg", "abcdefgh", "abcdefgh\u{0}", "abcdefghi",
               "0123456789abcde", "0123456789abcdef", "0123456789abcdef\u{0}", "0123456789abcdefg",
               "0123456789abcdeg", "0123456789abcdefgh", "0123456789abcdefgi"]
        for (index, id) in ids.enumerated() { #expect(keys.key(of: id) == Int32(index)) }
        for (index, id) in ids.enumerated().reversed() { #expect(keys.key(of: id) == Int32(index)) }
        for (index, id) in ids.enumerated() {
            var bytes = id
            #expect(bytes.withUTF8 { keys.existingKey(ofUTF8: $0) } == Int32(index))
        }
        var unknown = "same-long-prefix-for-every-user-5000"
        #expect(unknown.withUTF8 { keys.existingKey(ofUTF8: $0) } == nil)
    }
}
