import CLZ4

#if canImport(Glibc)
    import Glibc
#endif

/// LZ4 block decompression speed on log-like content, for `tollgate log bench` to print next to the log's figures.
package enum LZ4Measure {
    package static func decompressMBps(bodies: [[UInt8]]) -> Double {
        measure(bodies: bodies).decompressMBps
    }

    /// LZ4 block compression (`LZ4_compress_default`, what sealing uses) and decompression speed in MB of raw
    /// content per second, over 64 MiB of log-like content cut into 64 KiB blocks.
    package static func measure(bodies: [[UInt8]]) -> (compressMBps: Double, decompressMBps: Double) {
        var raw: [UInt8] = []
        var i = 0
        while raw.count < 64 << 20 {
            raw.append(contentsOf: [0x11, 0x22, 0x33, 0x44, UInt8(truncatingIfNeeded: i), 0, 0, 0, 0, 0, 0, 0, 1])
            raw.append(contentsOf: bodies[i % bodies.count])
            i += 1
        }
        let blockSizeBytes = 64 << 10
        var blocks: [[UInt8]] = []
        var scratch = [UInt8](repeating: 0, count: Int(LZ4_compressBound(Int32(blockSizeBytes))))
        let compressStart = now()
        for offset in stride(from: 0, to: raw.count - blockSizeBytes, by: blockSizeBytes) {
            let size = raw.withUnsafeBytes { src in
                scratch.withUnsafeMutableBytes { dst in
                    LZ4_compress_default(
                        src.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self),
                        dst.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(blockSizeBytes), Int32(dst.count))
                }
            }
            blocks.append(Array(scratch[0..<Int(size)]))
        }
        let compressMBps = Double(blocks.count * blockSizeBytes) / (now() - compressStart) / 1e6
        var out = [UInt8](repeating: 0, count: blockSizeBytes)
        let start = now()
        for _ in 0..<4 {
            for block in blocks {
                _ = block.withUnsafeBytes { src in
                    out.withUnsafeMutableBytes { dst in
                        LZ4_decompress_safe(
                            src.baseAddress!.assumingMemoryBound(to: CChar.self),
                            dst.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(src.count),
                            Int32(blockSizeBytes))
                    }
                }
            }
        }
        return (compressMBps, Double(4 * blocks.count * blockSizeBytes) / (now() - start) / 1e6)
    }

    /// CRC32C speed through the C target (the one records and blocks use) in GB/s, over a 16 MiB buffer.
    package static func crc32cGBps() -> Double {
        let buffer = [UInt8](unsafeUninitializedCapacity: 16 << 20) { bytes, count in
            for i in 0..<bytes.count { bytes[i] = UInt8(truncatingIfNeeded: i &* 31 &+ i >> 9) }
            count = bytes.count
        }
        var crc: UInt32 = 0
        let rounds = 32
        let start = now()
        for _ in 0..<rounds { crc = CRC32C.checksum(buffer) ^ crc }
        let seconds = now() - start
        precondition(crc != 0x1234_5678 || rounds > 0)
        return Double(rounds * buffer.count) / seconds / 1e9
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
