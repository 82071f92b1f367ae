#if canImport(Glibc)
import Glibc
#endif

/// Raw writes to stdout/stderr: results go out in one `write` per batch, after they are durable.
enum StandardStreams {
    static func write(_ text: String, to descriptor: Int32 = STDOUT_FILENO) {
        write(Array(text.utf8), to: descriptor)
    }

    static func write(_ bytes: [UInt8], to descriptor: Int32 = STDOUT_FILENO) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }

    static func error(_ text: String) { write(text + "\n", to: STDERR_FILENO) }

    static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}

/// A one-line progress counter on stderr, only when stderr is a terminal (quiet when piped).
struct ProgressLine {
    let label: String
    let enabled: Bool

    init(label: String) {
        self.label = label
        self.enabled = StandardStreams.standardErrorIsTerminal
    }

    func update(_ count: Int64) {
        guard enabled else { return }
        StandardStreams.write("\r\(label): \(count) records", to: STDERR_FILENO)
    }

    func finish() {
        guard enabled else { return }
        StandardStreams.write("\r\u{1B}[K", to: STDERR_FILENO)
    }
}
