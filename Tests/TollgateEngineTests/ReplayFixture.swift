import Foundation
import TollgateBilling
import TollgateEngine

/// The operator fixtures in `Fixtures/replay/` (see its README): a golden log made by `tollgate apply`, golden
/// query outputs, and corrupted copies of the log for `replay --verify`.
enum ReplayFixture {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path + "/Fixtures/replay"
    }()

    static var logDirectory: String { root + "/log" }
    static func expectedPath(_ name: String) -> String { root + "/expected/" + name }
    static func corruptDirectory(_ name: String) -> String { root + "/corrupt/" + name }

    /// The config the fixture log was written with.
    static let billing = BillingConfiguration(creditEnforcementEnabled: false)

    /// Golden files are re-recorded only on request: `TOLLGATE_RECORD_FIXTURES=1 swift test …`; a recording run
    /// fails its tests so it can never pass for a check.
    static var recording: Bool { ProcessInfo.processInfo.environment["TOLLGATE_RECORD_FIXTURES"] == "1" }

    static func read(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).flatMap { String(data: $0, encoding: .utf8) }
    }

    static func bytes(_ path: String) -> [UInt8] {
        [UInt8](FileManager.default.contents(atPath: path) ?? Data())
    }

    static func write(_ path: String, _ bytes: [UInt8]) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
