// libFuzzer target: the log's segment scanner and verifier on arbitrary bytes. The input becomes a one-segment log
// directory in /dev/shm — a raw `00000000000000000001.log` or, when the first byte is odd, a sealed
// `00000000000000000001.log.lz4` — and is read with `LogReader` and `verifyLog`. Must never crash, hang or
// allocate without bound; only report. Built by tools/fuzz.
import Glibc
import TollgateLog

nonisolated(unsafe) var directory: String = {
    let path = "/dev/shm/tollgate-fuzz-segment-\(getpid())"
    mkdir(path, 0o755)
    return path
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSegmentScanner(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let sealed = data[0] & 1 == 1
    let name = sealed ? "00000000000000000001.log.lz4" : "00000000000000000001.log"
    let other = sealed ? "00000000000000000001.log" : "00000000000000000001.log.lz4"
    unlink(directory + "/" + other)
    let fd = open(directory + "/" + name, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    precondition(fd >= 0)
    _ = write(fd, data + 1, size - 1)
    close(fd)
    if var reader = try? LogReader(directory: directory) {
        var count = 0
        while let record = try? reader.next() {
            count += record.body.count
            precondition(count <= size, "a reader returned more body bytes than the file holds")
        }
    }
    _ = verifyLog(directory: directory).ok
    return 0
}
