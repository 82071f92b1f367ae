import Foundation
import Testing

@testable import TollgateHTTP

@Suite struct APIKeyStoreTests {
    @Test(arguments: Role.allCases)
    func mintedKeyAuthenticatesAsItsRole(role: Role) throws {
        let userID: String? = role == .service ? nil : "bob"
        let (key, entry) = APIKeyStore.mint(role: role, userID: userID)
        let store = try APIKeyStore(entries: [entry])
        let principal = try #require(store.authenticate(key: key))
        #expect(principal.role == role)
        #expect(principal.userID == userID)
        #expect(principal.keyID == entry.id)
        #expect(key.hasPrefix("tg_") && key.count == 3 + 64)
        #expect(entry.sha256 != key && !entry.sha256.contains(String(key.dropFirst(3))))
    }

    @Test func unknownAndAlteredKeysAreRefused() throws {
        let (key, entry) = APIKeyStore.mint(role: .service, userID: nil)
        let store = try APIKeyStore(entries: [entry, APIKeyStore.mint(role: .admin, userID: nil).entry])
        #expect(store.authenticate(key: "tg_" + String(repeating: "0", count: 64)) == nil)
        #expect(store.authenticate(key: String(key.dropLast()) + (key.last == "a" ? "b" : "a")) == nil)
        #expect(store.authenticate(key: "") == nil)
        #expect(store.authenticate(key: entry.sha256) == nil, "the stored digest is not a key")
    }

    @Test func entriesAreChecked() throws {
        let digest = APIKeyStore.digestHex(of: "x")
        #expect(throws: APIKeyStore.LoadError.self) {
            try APIKeyStore(entries: [.init(id: "k-1", role: .user, userID: nil, sha256: digest)])
        }
        #expect(throws: APIKeyStore.LoadError.self) {
            try APIKeyStore(entries: [.init(id: "k-1", role: .service, userID: "bob", sha256: digest)])
        }
        #expect(throws: APIKeyStore.LoadError.self) {
            try APIKeyStore(entries: [.init(id: "k-1", role: .admin, userID: nil, sha256: "abc")])
        }
        #expect(throws: APIKeyStore.LoadError.self) {
            try APIKeyStore(entries: [
                .init(id: "k-1", role: .admin, userID: nil, sha256: digest),
                .init(id: "k-1", role: .service, userID: nil, sha256: digest),
            ])
        }
    }

    @Test func keyFileRoundTripsAndStoresNoKey() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try APIKeyStore.load(path: path).entries.isEmpty, "a missing file is an empty store")
        let admin = APIKeyStore.mint(role: .admin, userID: "root")
        let user = APIKeyStore.mint(role: .user, userID: "bob")
        try APIKeyStore.append(admin.entry, toFileAt: path)
        try APIKeyStore.append(user.entry, toFileAt: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains(admin.key) && !text.contains(user.key))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let store = try APIKeyStore.load(path: path)
        #expect(store.entries == [admin.entry, user.entry])
        #expect(store.authenticate(key: user.key)?.userID == "bob")
        #expect(store.authenticate(key: admin.key)?.actorID == "root")
    }

    @Test func revokedKeyIsGoneFromTheFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString).jsonl")
            .path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = APIKeyStore.mint(role: .service, userID: nil)
        let second = APIKeyStore.mint(role: .user, userID: "bob")
        try APIKeyStore.append(first.entry, toFileAt: path)
        try APIKeyStore.append(second.entry, toFileAt: path)
        try APIKeyStore.remove(id: first.entry.id, fromFileAt: path)
        let store = try APIKeyStore.load(path: path)
        #expect(store.entries == [second.entry])
        #expect(store.authenticate(key: first.key) == nil)
        #expect(store.authenticate(key: second.key)?.userID == "bob")
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(throws: APIKeyStore.LoadError.self) { try APIKeyStore.remove(id: "k-none", fromFileAt: path) }
    }

    @Test func malformedKeyFileIsAnError() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "{\"id\":\"k-1\",\"role\":\"root\",\"sha256\":\"00\"}\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: APIKeyStore.LoadError.self) { try APIKeyStore.load(path: path) }
    }
}
