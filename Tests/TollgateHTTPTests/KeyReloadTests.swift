import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import TollgateHTTP

/// `SIGHUP` reloads the key file: added keys start working and revoked ones stop, without a restart; a broken
/// file changes nothing.
@Suite struct KeyReloadTests {
    @Test func reloadAppliesAddsAndRevocationsAndSurvivesABrokenFile() async throws {
        let (engine, directory) = try TestEngine.make()
        defer { TestEngine.remove(directory) }
        let path = APIKeyStore.defaultPath(dataDirectory: directory)
        let old = APIKeyStore.mint(role: .user, userID: "bob")
        try APIKeyStore.append(old.entry, toFileAt: path)
        let ring = APIKeyRing(try APIKeyStore.load(path: path))
        let reloader = KeyReloadService(ring: ring, path: path, logger: Logger(label: "test"))
        let router = TollgateAPI.router(backend: engine, history: LogHistory(directory: directory), keys: ring)
        try await Application(router: router).test(.router) { client in
            #expect(try await client.call(.get, "/api/v1/users/me/balance", key: old.key).status == .ok)
            let new = APIKeyStore.mint(role: .user, userID: "carol")
            try APIKeyStore.append(new.entry, toFileAt: path)
            #expect(try await client.call(.get, "/api/v1/users/me/balance", key: new.key).status == .unauthorized)
            #expect(reloader.reload())
            #expect(try await client.call(.get, "/api/v1/users/me/balance", key: new.key).status == .ok)
            try APIKeyStore.remove(id: old.entry.id, fromFileAt: path)
            #expect(reloader.reload())
            #expect(try await client.call(.get, "/api/v1/users/me/balance", key: old.key).status == .unauthorized)
            try "not json\n".write(toFile: path, atomically: true, encoding: .utf8)
            #expect(!reloader.reload())
            #expect(try await client.call(.get, "/api/v1/users/me/balance", key: new.key).status == .ok)
        }
        try engine.shutdown()
    }
}
