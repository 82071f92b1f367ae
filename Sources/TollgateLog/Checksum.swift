import CChecksum

/// CRC32C (Castagnoli) through the C target: SSE4.2 when the CPU has it, a table otherwise.
package enum CRC32C {
    @inline(__always)
    package static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        return tollgate_crc32c(crc, base, bytes.count)
    }

    package static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { update(0, $0) }
    }

    package static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBytes { update(0, $0) }
    }

    package static var hardwareAvailable: Bool { tollgate_crc32c_hardware_available() != 0 }

    package static func portable(_ crc: UInt32, _ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return crc }
            return tollgate_crc32c_portable(crc, base, raw.count)
        }
    }
}

/// The record checksum covers the logical record, not the framing: seq, time, type, body size and body.
/// So the value is the same in a raw and a sealed segment and in `tollgate log dump`.
@inline(__always)
func recordChecksum(seq: UInt64, timeMs: Int64, type: UInt8, body: UnsafeRawBufferPointer) -> UInt32 {
    tollgate_crc32c_record(seq, timeMs, type, body.baseAddress, UInt32(body.count))
}

/// The same checksum computed the long way (21-byte prefix, then the body): the reference for tests.
func recordChecksumReference(seq: UInt64, timeMs: Int64, type: UInt8, body: [UInt8]) -> UInt32 {
    var prefix: [UInt8] = []
    prefix.appendLE(seq)
    prefix.appendLE(timeMs)
    prefix.appendLE(type)
    prefix.appendLE(UInt32(body.count))
    return CRC32C.portable(CRC32C.portable(0, prefix), body)
}

/// The hash chain: `chain[i] = fmix64(chain[i-1] ^ checksum[i])` from `chainGenesis`. Each record's checksum
/// covers its seq, so a deleted, duplicated or reordered record changes every later chain value.
package enum Chain {
    package static let genesis: UInt64 = 0x544F_4C4C_4741_5445  // "TOLLGATE"

    @inline(__always)
    package static func next(_ chain: UInt64, _ checksum: UInt32) -> UInt64 {
        var k = chain ^ UInt64(checksum)
        k ^= k >> 33
        k = k &* 0xff51_afd7_ed55_8ccd
        k ^= k >> 33
        k = k &* 0xc4ce_b9fe_1a85_ec53
        k ^= k >> 33
        return k
    }
}
