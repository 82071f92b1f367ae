import CLZ4

#if canImport(Glibc)
    import Glibc
#endif

/// LZ4 block decompression speed on log-like content, for `tollgate log bench` to print next to the log's figures.
package enum LZ4Measure {
    package static func decompressMBps(bodies: [[UInt8]]) -> Double {
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
        return Double(4 * blocks.count * blockSizeBytes) / (now() - start) / 1e6
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
