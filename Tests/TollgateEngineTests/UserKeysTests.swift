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

    /// Reserved room (``UserKeys/reserveCapacity(users:)``: a replay's estimate, too small, too large or capped)
    /// changes no key: the same ids get the same keys as in a table that grows as it goes.
    @Test(arguments: [0, 7, 5_000, 1 << 30])
    func reservedTablesGiveTheSameKeys(users: Int) {
        var grown = UserKeys()
        var reserved = UserKeys()
        reserved.reserveCapacity(users: users)
        var random = SplitMix64(seed: 9)
        for _ in 0..<20_000 {
            let n = random.next() % 6_000
            let userID = n % 3 == 0 ? "a-long-user-identifier-of-more-than-sixteen-bytes-\(n)" : "u\(n)"
            #expect(reserved.key(of: userID) == grown.key(of: userID))
        }
        #expect(reserved.count == grown.count)
    }

    /// The batch lookup of short ids (a replay's compact debits) finds exactly what one lookup at a time finds —
    /// present and absent ids, ids of every length up to 16 bytes, a table with long probe chains — and a short
    /// id's bytes come back from its head words.
    @Test(arguments: [4, 5] as [UInt64])
    func batchLookupsFindWhatSingleLookupsFind(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var keys = UserKeys()
        let lengths = (0...UserKeys.shortIDBytesMax).map { String(repeating: "x", count: $0) }
        for n in 0..<20_000 where n % 3 != 0 { _ = keys.key(of: "u\(n)") }
        for (index, id) in lengths.enumerated() where index % 2 == 0 { _ = keys.key(of: id) }
        _ = keys.key(of: "ü-é")
        let ids =
            (0..<4_000).map { _ in "u\(random.next() % 20_000)" } + lengths + ["ü-é", "ü-è", "exactly-16-bytes"]
        for start in stride(from: 0, to: ids.count, by: 16) {
            let batch = Array(ids[start..<min(start + 16, ids.count)])
            let shortIDs = batch.map { id in
                var copy = id
                return copy.withUTF8 { UserKeys.shortID(UnsafeRawBufferPointer($0)) }
            }
            var found = [Int32](repeating: -2, count: batch.count)
            shortIDs.withUnsafeBufferPointer { ids in
                found.withUnsafeMutableBufferPointer { keys.existingKeys(of: ids, into: $0) }
            }
            for (index, id) in batch.enumerated() {
                var copy = id
                #expect(found[index] == (copy.withUTF8 { keys.existingKey(ofUTF8: $0) } ?? -1), "\(id)")
                #expect(shortIDs[index].bytes == Array(id.utf8), "\(id)")
            }
        }
        #expect(keys.count > 10_000)
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

    /// Ids of every length from 0 to 48 bytes and, for each, the ids that differ from it in one byte at every
    /// position: each gets its own key and is found again by its bytes — one at a time and, up to 16 bytes, in
    /// batches (the head words are read a word or two half-words at a time, the hash of a long id with an
    /// overlapping last word: a byte dropped or read twice would merge or lose ids).
    @Test func idsOfEveryLengthDifferingInOneByteGetTheirOwnKeys() {
        var keys = UserKeys()
        var ids: [String] = []
        for length in 0...48 {
            let base = Array(repeating: UInt8(ascii: "k"), count: length)
            ids.append(String(decoding: base, as: UTF8.self))
            for position in 0..<length {
                var changed = base
                changed[position] = UInt8(ascii: "q")
                ids.append(String(decoding: changed, as: UTF8.self))
            }
        }
        for (index, id) in ids.enumerated() { #expect(keys.key(of: id) == Int32(index), "\(id)") }
        for (index, id) in ids.enumerated() {
            var copy = id
            #expect(copy.withUTF8 { keys.existingKey(ofUTF8: $0) } == Int32(index), "\(id)")
        }
        let short = ids.enumerated().filter { $0.element.utf8.count <= UserKeys.shortIDBytesMax }
        let shortIDs = short.map { _, id in
            var copy = id
            return copy.withUTF8 { UserKeys.shortID(UnsafeRawBufferPointer($0)) }
        }
        var found = [Int32](repeating: -2, count: shortIDs.count)
        for start in stride(from: 0, to: shortIDs.count, by: 16) {
            let end = min(start + 16, shortIDs.count)
            shortIDs[start..<end].withUnsafeBufferPointer { batch in
                found[start..<end].withUnsafeMutableBufferPointer { keys.existingKeys(of: batch, into: $0) }
            }
        }
        #expect(found == short.map { Int32($0.offset) })
    }
}
