import Testing

@testable import TollgateBilling

/// The charged-debit section of a state snapshot (docs/snapshots.md, item 8), decoded in one pass and not
/// re-encoded for the canonical check: its strict decode alone must accept exactly the canonical bytes.
@Suite struct ChargedDebitSnapshotTests {
    /// A state of three users and charged debits whose seq deltas, slots and amounts take 1- to 9-byte varints.
    static func state() -> State {
        var state = State(configuration: BillingConfiguration(creditEnforcementEnabled: true))
        for user in ["a", "b", "c"] { _ = state.ensureSlot(of: user) }
        var seq: Int64 = 0
        let deltas: [Int64] = [1, 1, 127, 128, 16_383, 16_384, 1 << 40, 5]
        let amounts: [Int64] = [1, 127, 128, 300, 9_000_000_000_000_000, 2, 64, 1]
        for index in deltas.indices {
            seq += deltas[index]
            state.chargedDebits.append(seq: seq, userSlot: Int32(index % 3), charged: amounts[index])
        }
        state.recordCount = seq
        return state
    }

    /// Where the section's first entry starts (after the head and the entry count).
    static func firstEntryOffset(_ state: State) -> Int {
        var head = SnapshotWriter()
        state.encodeSnapshotHead(version: state.snapshotVersionToWrite, into: &head)
        return head.bytes.count + 4
    }

    @Test func chargedDebitsRoundTrip() throws {
        let state = Self.state()
        let bytes = state.snapshotBytes()
        let decoded = try State.decodeSnapshot(bytes).get()
        #expect(decoded.chargedDebits.count == state.chargedDebits.count)
        for index in 0..<state.chargedDebits.count {
            let entry = decoded.chargedDebits.entry(at: index)
            let expected = state.chargedDebits.entry(at: index)
            #expect(entry.seq == expected.seq && entry.userSlot == expected.userSlot)
            #expect(entry.charged == expected.charged)
        }
        #expect(decoded.snapshotBytes() == bytes)
    }

    /// Each entry field replaced by a bad value (all three are 1-byte varints in the first entry: delta 1, slot 0,
    /// amount 1) is rejected with its own reason.
    @Test(arguments: [
        (0, [UInt8(0)], "charged debit seqs not ascending"),
        (1, [UInt8(3)], "bad charged debit user slot"),
        (2, [UInt8(0)], "charged debit amount not positive"),
        (0, [UInt8(0x81), 0x00], "overlong varint"),
        (1, [UInt8(0x80), 0x00], "overlong varint"),
        (2, [UInt8(0x81), 0x80, 0x00], "overlong varint"),
        (2, [UInt8](repeating: 0xFF, count: 9) + [0x7F], "varint overflows 64 bits"),
    ])
    func badEntryIsRejected(field: Int, replacement: [UInt8], reason: String) {
        let state = Self.state()
        var bytes = state.snapshotBytes()
        let offset = Self.firstEntryOffset(state) + field
        #expect(Array(bytes[(offset - field)..<(offset - field + 3)]) == [1, 0, 1])
        bytes.replaceSubrange(offset..<(offset + 1), with: replacement)
        guard case .failure(let error) = State.decodeSnapshot(bytes) else {
            Issue.record("accepted \(replacement) as field \(field)")
            return
        }
        #expect(error.message == reason)
    }

    /// A 2^63 varint (10 bytes, in range for the varint but not for Int64) is refused.
    @Test func amountBeyondInt64IsRejected() {
        let state = Self.state()
        var bytes = state.snapshotBytes()
        let offset = Self.firstEntryOffset(state) + 2
        var huge: [UInt8] = []
        Varint.append(UInt64(1) << 63, to: &huge)
        bytes.replaceSubrange(offset..<(offset + 1), with: huge)
        guard case .failure(let error) = State.decodeSnapshot(bytes) else {
            Issue.record("accepted an amount of 2^63")
            return
        }
        #expect(error.message == "varint out of range")
    }

    /// Cut anywhere inside the section: rejected, never trapped.
    @Test func truncatedSectionIsRejected() {
        let state = Self.state()
        let bytes = state.snapshotBytes()
        let start = Self.firstEntryOffset(state) - 4
        for end in start..<(bytes.count - 4) {
            if case .success = State.decodeSnapshot(Array(bytes[..<end])) { Issue.record("accepted a cut at \(end)") }
        }
    }
}
