import Testing

@testable import TollgateBilling

/// The one-pass decoding of a charged debit (``LedgerRecord/decodeKeyedDebit(bodyBytes:)``'s fast path) accepts
/// exactly the bodies the general decoding accepts as string-free debits, with the same fields: checked on encoded
/// debits of every shape and on every one-byte change, truncation and extension of them — also without its check of
/// the id's bytes (`checkingUserID: false`) once the caller checks the id.
@Suite struct ChargedDebitDecodingTests {
    static func body(_ record: DebitRecord) -> [UInt8] {
        var bytes: [UInt8] = []
        LedgerRecord.debit(record).encodeBody(into: &bytes)
        return bytes
    }

    static var debits: [DebitRecord] {
        let amounts: [Int64] = [1, 127, 128, 16_383, 16_384, 2_000_000, Millicredits.magnitudeMax]
        let ids = ["u", "user-1", "a-user-id-longer-than-fifteen-bytes", String(repeating: "x", count: 128)]
        var debits: [DebitRecord] = []
        for (index, amount) in amounts.enumerated() {
            let id = ids[index % ids.count]
            let command = Command.Debit(userID: id, amount: Millicredits(rawValue: amount))
            let smaller = Millicredits(rawValue: max(1, amount / 2))
            debits.append(
                DebitRecord(
                    command: command, enforcementEnabled: index % 2 == 0,
                    outcome: .charged(Millicredits(rawValue: amount), warned: false, anomaly: false)))
            debits.append(
                DebitRecord(
                    command: command, enforcementEnabled: false,
                    outcome: .charged(smaller, warned: index % 3 == 0, anomaly: index % 2 == 1)))
            debits.append(DebitRecord(command: command, enforcementEnabled: true, outcome: .shadow))
            debits.append(
                DebitRecord(command: command, enforcementEnabled: true, outcome: .rejected(.insufficientCredits)))
            debits.append(
                DebitRecord(
                    command: Command.Debit(
                        userID: id, amount: Millicredits(rawValue: amount), sessionID: "s", requestID: "r",
                        idempotencyKey: "k"),
                    enforcementEnabled: false,
                    outcome: .charged(Millicredits(rawValue: amount), warned: false, anomaly: false)))
        }
        return debits
    }

    /// What the general decoding says a body is, as the keyed decoding must give it.
    static func expected(_ body: [UInt8]) -> (KeyedDebit, [UInt8])? {
        guard case .success(.debit(let record)) = LedgerRecord.decode(typeTag: CompactDebit.typeTag, body: body),
            let compact = CompactDebit(record)
        else { return nil }
        return (KeyedDebit(compact), Array(compact.userID.utf8))
    }

    static func keyed(_ body: [UInt8], checkingUserID: Bool = true) -> (KeyedDebit, [UInt8])? {
        body.withUnsafeBytes { raw in
            LedgerRecord.decodeKeyedDebit(bodyBytes: raw, checkingUserID: checkingUserID).map {
                ($0.debit, Array($0.userIDBytes))
            }
        }
    }

    @Test func everyChangedTruncatedOrExtendedBodyDecodesAsTheGeneralDecodingSays() {
        var compared = 0
        var accepted = 0
        for debit in Self.debits {
            let body = Self.body(debit)
            var variants: [[UInt8]] = [body, body + [0], body + [1]]
            for length in 0..<body.count { variants.append(Array(body[..<length])) }
            for index in body.indices {
                for value: UInt8 in [0, 1, 0x7f, 0x80, 0x81, 0xff, body[index] ^ 0x40, body[index] ^ 0x08] {
                    var changed = body
                    changed[index] = value
                    variants.append(changed)
                }
            }
            for variant in variants {
                let expected = Self.expected(variant)
                let keyed = Self.keyed(variant)
                #expect(keyed?.0 == expected?.0, "\(variant)")
                #expect(keyed?.1 == expected?.1, "\(variant)")
                // Without the id's byte check, plus the caller's check of the id, the same answer.
                let unchecked = Self.keyed(variant, checkingUserID: false).flatMap {
                    Identifier.isValid(String(decoding: $0.1, as: UTF8.self)) ? $0 : nil
                }
                #expect(unchecked?.0 == expected?.0, "\(variant)")
                #expect(unchecked?.1 == expected?.1, "\(variant)")
                compared += 1
                if keyed != nil { accepted += 1 }
            }
        }
        #expect(compared > 5_000)
        #expect(accepted > 100)
    }
}
