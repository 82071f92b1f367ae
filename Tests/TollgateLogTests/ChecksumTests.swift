import Testing

@testable import TollgateLog

@Suite struct ChecksumTests {
    @Test func knownVectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([]) == 0)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.portable(0, Array("123456789".utf8)) == 0xE306_9283)
    }

    /// The hardware path (1-way and 3-way interleaved with the shift combine) agrees with the table everywhere.
    @Test(arguments: [0, 1, 7, 8, 9, 63, 64, 4095, 24_575, 24_576, 24_577, 49_152, 100_003, 300_000])
    func hardwareMatchesPortable(length: Int) {
        var random = SplitMix64(seed: UInt64(length))
        let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        #expect(CRC32C.checksum(bytes) == CRC32C.portable(0, bytes))
        // Continuing from a previous value equals one pass.
        let split = length / 3
        let first = CRC32C.checksum(Array(bytes[0..<split]))
        let whole = Array(bytes[split...]).withUnsafeBytes { CRC32C.update(first, $0) }
        #expect(whole == CRC32C.checksum(bytes))
    }

    @Test func recordChecksumMatchesReference() {
        var random = SplitMix64(seed: 9)
        for length in [0, 1, 7, 8, 21, 64, 80, 1000, 30_000] {
            let body = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let seq = random.next()
            let timeMs = Int64(bitPattern: random.next())
            let type = UInt8(truncatingIfNeeded: random.next())
            let fast = body.withUnsafeBytes { recordChecksum(seq: seq, timeMs: timeMs, type: type, body: $0) }
            #expect(fast == recordChecksumReference(seq: seq, timeMs: timeMs, type: type, body: body))
        }
    }

    @Test func chainDetectsReorder() {
        let a: UInt32 = 0x1234_5678
        let b: UInt32 = 0x9ABC_DEF0
        #expect(Chain.next(Chain.next(Chain.genesis, a), b) != Chain.next(Chain.next(Chain.genesis, b), a))
        #expect(Chain.next(Chain.genesis, a) != Chain.next(Chain.next(Chain.genesis, a), a))
    }
}
