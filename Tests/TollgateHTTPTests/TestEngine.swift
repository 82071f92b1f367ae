import Foundation
import TollgateBilling
import TollgateEngine
import TollgateLog

/// A real engine over a fresh temporary directory, removed when the test ends.
enum TestEngine {
    static func make(enforcement: Bool = false) throws -> (service: EngineService, directory: String) {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tollgate-http-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let engine = try Engine(
            configuration: EngineConfiguration(
                directory: directory, billing: BillingConfiguration(creditEnforcementEnabled: enforcement)))
        return (EngineService(engine: engine), directory)
    }

    /// The state folded from the log in `directory`, as a restarted process would see it.
    static func reopenedState(_ directory: String, enforcement: Bool = false) throws -> State {
        try Projection.load(
            directory: directory, billing: BillingConfiguration(creditEnforcementEnabled: enforcement)
        ).state
    }

    static func remove(_ directory: String) {
        try? FileManager.default.removeItem(atPath: directory)
    }
}
