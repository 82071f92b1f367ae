import Testing
import TollgateBilling
import TollgateLog
import TollgateSimulation

@testable import TollgateEngine

/// The verified replay's reading side (`DecodedRecords` with user keys and compact debits): whatever the chunk size
/// and the bound, every item stands for exactly the record the log holds, and every user key is the user's number
/// in order of first sight — with ids of every length, users first seen in the middle of a key batch, users seen
/// twice within one, and debits that go the general way.
@Suite struct DecodedRecordsTests {
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789._:@-ABC")

    /// User `index` of an id `length` bytes long (valid identifier bytes; two users of one length differ first).
    static func userID(length: Int, index: Int) -> String {
        String((0..<length).map { alphabet[(index * 7 + $0 * 3) % alphabet.count] })
    }

    /// ~6,000 records over 120 users (ids of 1–40 bytes): grants, debits with and without optional strings
    /// (charged, warned, shadow under a partial rollout, rejected over the cap), refunds, flag changes, and new users
    /// arriving all along.
    static func makeLog() throws -> TemporaryDirectory {
        let directory = TemporaryDirectory()
        let engine = try Engine(configuration: configuration(directory, segmentSizeBytes: 64 << 10), clock: fixedClock)
        var random = SplitMix64(seed: 11)
        let users = (1...40).flatMap { length in (0..<3).map { userID(length: length, index: $0) } }
        var seen = 8  // Users 0..<seen may appear; the rest arrive one by one.
        var debits: [(seq: Int64, userID: String)] = []
        var time: Int64 = 1_772_323_200_000
        for step in 0..<6_000 {
            time += Int64(random.next() % 3_000)
            let at = Timestamp(millisecondsSinceEpoch: time).rfc3339
            if step % 50 == 0 && seen < users.count { seen += 1 }
            let user = users[Int(random.next() % UInt64(step % 7 == 0 ? seen : min(seen, 20)))]
            let millicredits = 1 + random.next() % 3_000
            let amount = "\(millicredits / 1_000).\(String(millicredits % 1_000 + 1_000).dropFirst())"
            let roll = random.next() % 100
            let line: String
            switch roll {
            case 0..<80: line = #"{"op":"debit","user_id":"\#(user)","amount":"\#(amount)","at":"\#(at)"}"#
            case 80..<85:
                line =
                    #"{"op":"debit","user_id":"\#(user)","amount":"\#(amount)","request_id":"r\#(step)","#
                    + #""at":"\#(at)"}"#
            case 85..<92:
                line = #"{"op":"grant","user_id":"\#(user)","amount":"\#(amount)","initiated_by":"ops","at":"\#(at)"}"#
            case 92..<96 where !debits.isEmpty:
                let debit = debits.remove(at: Int(random.next() % UInt64(debits.count)))  // Refunded once, whole.
                line =
                    #"{"op":"refund","user_id":"\#(debit.userID)","debit_seq":\#(debit.seq),"initiated_by":"ops","#
                    + #""at":"\#(at)"}"#
            case 96..<98:
                let percent = random.next() % 2 == 0 ? 50 : 100
                line =
                    #"{"op":"set_flag","flag":"billing_rollout_percentage","value":\#(percent),"#
                    + #""initiated_by":"ops","at":"\#(at)"}"#
            default: line = #"{"op":"debit","user_id":"\#(user)","amount":"600","at":"\#(at)"}"#  // Over the cap.
            }
            let results = try engine.apply(lines: [Array(line.utf8)])
            #expect(results[0]["status"] != .string("invalid"), "\(line)")
            if results[0]["mode"] == .string("charged"), case .int(let seq)? = results[0]["seq"] {
                debits.append((seq, user))
            }
        }
        try engine.close()
        return directory
    }

    /// A record as its type tag and canonical body bytes.
    static func bytes(_ record: LedgerRecord) -> [UInt8] {
        var body: [UInt8] = []
        record.encodeBody(into: &body)
        return [record.typeTag] + body
    }

    @Test func itemsStandForTheLogsRecordsWithKeysInOrderOfFirstSight() throws {
        let directory = try Self.makeLog()
        var reader = try LogReader(directory: directory.path)
        var expected: [(seq: UInt64, timeMs: Int64, bytes: [UInt8], userID: String?)] = []
        while let record = try reader.next() {
            let decoded = try LedgerRecord.decode(typeTag: record.type, body: record.body).get()
            expected.append((record.seq, record.timeMs, Self.bytes(decoded), decoded.userID))
        }
        #expect(expected.count == 6_000)
        let middle = expected[expected.count / 2]
        let bounds: [Projection.Bound] = [
            .end, .seq(1), .seq(Int64(middle.seq)), .time(Timestamp(millisecondsSinceEpoch: middle.timeMs)),
        ]
        var keyedCount = 0
        for chunkRecordCount in [1, 5, 16, 17, 4_096] {
            for bound in bounds {
                var records = DecodedRecords(
                    directory: directory.path, storage: PosixStorage.shared, until: bound,
                    chunkRecordCount: chunkRecordCount, userKeys: true, compactDebits: true)
                var keysByUserID: [String: Int32] = [:]
                var userIDsByKey: [String] = []
                var index = 0
                reading: while true {
                    switch records.nextChunk() {
                    case .records(let chunk):
                        #expect(!chunk.items.isEmpty && chunk.items.count <= chunkRecordCount)
                        for item in chunk.items {
                            let want = expected[index]
                            index += 1
                            #expect(item.seq == want.seq && item.timeMs == want.timeMs)
                            let record: LedgerRecord
                            switch item.body {
                            case .decoded(let body): record = try chunk.bodies[body].get()
                            case .keyedDebit(let debit):
                                // Keyed: a user an earlier item named.
                                try #require(item.userKey >= 0 && Int(item.userKey) < userIDsByKey.count)
                                record = .debit(debit.named(userIDsByKey[Int(item.userKey)]).record)
                                keyedCount += 1
                            }
                            #expect(Self.bytes(record) == want.bytes, "seq \(item.seq)")
                            guard let userID = want.userID else {
                                #expect(item.userKey == -1)
                                continue
                            }
                            let key = keysByUserID[userID] ?? Int32(keysByUserID.count)
                            if key == Int32(userIDsByKey.count) { userIDsByKey.append(userID) }
                            keysByUserID[userID] = key
                            #expect(item.userKey == key, "seq \(item.seq)")
                        }
                    case .end(let outcome):
                        #expect(outcome.failure == nil)
                        break reading
                    }
                }
                let last: Int
                switch bound {
                case .end: last = expected.count
                case .seq(let seq): last = Int(seq)
                case .time(let time): last = expected.lastIndex { $0.timeMs <= time.millisecondsSinceEpoch }! + 1
                }
                #expect(index == last, "\(bound), chunks of \(chunkRecordCount)")
            }
        }
        #expect(keyedCount > 10_000)  // Most debits travel keyed.
    }

    /// An item holds nothing reference-counted: chunks are handed between threads, copied and freed as plain bytes.
    @Test func itemsAreTrivial() {
        #expect(_isPOD(DecodedRecords.Item.self))
    }

    /// The reader checks a debit's user id only on the user's first sight: a debit whose id is not an identifier
    /// (never written by the engine; a forged record with a valid checksum) decodes as the general decoding says —
    /// an error, no key — whether its id is short (looked up by batch) or long, first in a batch or after its
    /// users, and the users around it keep their keys.
    @Test func aDebitWhoseUserIDIsNotAnIdentifierDecodesAsAnError() throws {
        let directory = TemporaryDirectory()
        let log = try Log.open(directory: directory.path, configuration: LogConfiguration(durability: .none))
        let ids = [
            "good", "bad!", "good", "ok-2", "bad!", "a-long-user-id-beyond-16", "a-long-bad-id-beyond-16!", "ok-2",
            "b\u{7f}d", "good",
        ]
        var inputs: [RecordInput] = []
        for (index, id) in ids.enumerated() {
            let record = LedgerRecord.debit(
                DebitRecord(
                    command: Command.Debit(userID: id, amount: Millicredits(rawValue: 1_000)),
                    enforcementEnabled: false,
                    outcome: .charged(Millicredits(rawValue: 1_000), warned: index % 2 == 0, anomaly: false)))
            var body: [UInt8] = []
            record.encodeBody(into: &body)
            inputs.append(RecordInput(timeMs: 1_772_323_200_000 + Int64(index), type: record.typeTag, body: body))
        }
        _ = try log.append(inputs)
        try log.close()
        let expectedKeys: [Int32] = [0, -1, 0, 1, -1, 2, -1, 1, -1, 0]
        for chunkRecordCount in [1, 3, 4_096] {
            var records = DecodedRecords(
                directory: directory.path, storage: PosixStorage.shared, until: .end,
                chunkRecordCount: chunkRecordCount, userKeys: true, compactDebits: true)
            var keys: [Int32] = []
            var index = 0
            reading: while true {
                switch records.nextChunk() {
                case .records(let chunk):
                    for item in chunk.items {
                        keys.append(item.userKey)
                        let valid = Identifier.isValid(ids[index])
                        var body: [UInt8] = []
                        inputs[index].body.withUnsafeBytes { body = Array($0) }
                        let general = LedgerRecord.decode(typeTag: CompactDebit.typeTag, body: body)
                        switch item.body {
                        case .decoded(let at):
                            #expect("\(chunk.bodies[at])" == "\(general)", "\(ids[index])")
                            if !valid, case .success = chunk.bodies[at] { Issue.record("\(ids[index]) decoded") }
                        case .keyedDebit:
                            #expect(valid, "\(ids[index])")
                        }
                        index += 1
                    }
                case .end(let outcome):
                    #expect(outcome.failure == nil)
                    break reading
                }
            }
            #expect(keys == expectedKeys, "chunks of \(chunkRecordCount)")
        }
    }
}
