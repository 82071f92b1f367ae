import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TollgateBilling
import TollgateEngine

@testable import TollgateHTTP

/// The whole application on a real port: what was acknowledged is in the log after the service group stops.
@Suite struct GracefulShutdownTests {
    @Test func acknowledgedWritesAreDurableAfterShutdown() async throws {
        let (engine, directory) = try TestEngine.make()
        defer { TestEngine.remove(directory) }
        let admin = APIKeyStore.mint(role: .admin, userID: "root")
        let service = APIKeyStore.mint(role: .service, userID: nil)
        let keys = try APIKeyStore(entries: [admin.entry, service.entry])
        let app = TollgateAPI.application(
            engine: engine, dataDirectory: directory, keys: APIKeyRing(keys),
            configuration: HTTPConfiguration(host: "127.0.0.1", port: 0),
            logger: Logger(label: "test"))
        try await app.test(.live) { client in
            let grant = try await client.call(
                .post, "/api/v1/admin/users/bob/credits", key: admin.key, json: #"{"amount":"100","reason":"test"}"#)
            #expect(grant.status == .ok)
            for index in 0..<20 {
                let debit = try await client.call(
                    .post, "/api/v1/debits", key: service.key,
                    json: "{\"user_id\":\"bob\",\"amount\":\"1\",\"request_id\":\"r\(index)\"}")
                #expect(debit.status == .ok)
            }
        }
        // The test framework stopped the service group: the engine service drained and closed the log.
        await #expect(throws: (any Error).self) {
            try await engine.submit(.debit(.init(userID: "bob", amount: .init(rawValue: 1))))
        }
        let state = try TestEngine.reopenedState(directory)
        #expect(state.recordCount == 21)
        #expect(state.balances().first { $0.userID == "bob" }?.balance == Millicredits(rawValue: 80_000))
    }
}
