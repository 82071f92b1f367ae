#if canImport(Glibc)
import Glibc
#endif

/// Clean stops for `tail --follow`: SIGINT and SIGTERM set a flag the poll loop checks (the loop sleeps at most
/// `--poll-ms` between checks); SIGPIPE is ignored so a closed reader shows up as EPIPE on write, which ends the
/// command with status 0.
enum TailSignals {
    nonisolated(unsafe) private static var stopFlag: sig_atomic_t = 0

    static var stopRequested: Bool { stopFlag != 0 }

    static func install() {
        signal(SIGPIPE, SIG_IGN)
        let handler: @convention(c) (Int32) -> Void = { _ in TailSignals.stopFlag = 1 }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }

    /// Writes all of `text` to stdout; false when the reader is gone (EPIPE) or stdout failed.
    static func write(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += written
            }
            return true
        }
    }

    /// Waits up to `milliseconds` between polls; false as soon as stdout's reader is gone (a closed pipe shows as
    /// POLLERR/POLLHUP on the write end), so an idle `tail --follow | head -1` ends instead of waiting forever for
    /// a write to fail.
    static func pause(milliseconds: Int) -> Bool {
        var descriptor = pollfd(fd: STDOUT_FILENO, events: 0, revents: 0)
        let ready = poll(&descriptor, 1, Int32(milliseconds))
        if ready > 0, descriptor.revents & Int16(POLLERR | POLLHUP) != 0 { return false }
        return true
    }
}
