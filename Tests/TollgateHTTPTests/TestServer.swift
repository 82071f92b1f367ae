import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TollgateBilling
import TollgateEngine

@testable import TollgateHTTP

/// A router over a real engine on a temporary directory, with one key per role (two user keys).
struct TestServer {
    static let adminName = "alice-admin"

    let engine: EngineService
    let directory: String
    let keys: APIKeyStore
    let adminKey: String
    let serviceKey: String
    /// Bound to user `bob`.
    let bobKey: String
    /// Bound to user `carol`.
    let carolKey: String

    init(enforcement: Bool = false) throws {
        (engine, directory) = try TestEngine.make(enforcement: enforcement)
        let admin = APIKeyStore.mint(role: .admin, userID: Self.adminName)
        let service = APIKeyStore.mint(role: .service, userID: nil)
        let bob = APIKeyStore.mint(role: .user, userID: "bob")
        let carol = APIKeyStore.mint(role: .user, userID: "carol")
        keys = try APIKeyStore(entries: [admin.entry, service.entry, bob.entry, carol.entry])
        adminKey = admin.key
        serviceKey = service.key
        bobKey = bob.key
        carolKey = carol.key
    }

    /// Rate limits off: route tests send many requests from one in-memory "client" within a second; the limits
    /// have their own tests (RateLimitTests).
    static let unlimited = HTTPConfiguration(chargeRequestsPerMinute: 0, purchaseRequestsPerMinute: 0)

    func key(for role: Role) -> String {
        switch role {
        case .admin: adminKey
        case .service: serviceKey
        case .user: bobKey
        }
    }

    /// Runs `body` against the in-memory router, then shuts the engine down and removes the directory.
    func test(
        backend: (any BillingBackend)? = nil, configuration: HTTPConfiguration = TestServer.unlimited,
        clock: Clock = .system, _ body: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let router = TollgateAPI.router(
            backend: backend ?? engine, history: LogHistory(directory: directory), keys: APIKeyRing(keys),
            configuration: configuration, clock: clock)
        let app = Application(router: router)
        do {
            try await app.test(.router) { client in try await body(client) }
        } catch {
            try? engine.shutdown()
            TestEngine.remove(directory)
            throw error
        }
        try engine.shutdown()
        TestEngine.remove(directory)
    }
}

/// A response with its body parsed as a JSON object.
struct JSONReply {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var object: [String: Any]
    var text: String

    subscript(key: String) -> Any? { object[key] }
    func string(_ key: String) -> String? { object[key] as? String }
    func int(_ key: String) -> Int? { (object[key] as? NSNumber)?.intValue }
    func bool(_ key: String) -> Bool? { object[key] as? Bool }
}

extension TestClientProtocol {
    /// Sends a request with an optional key and JSON body; parses the reply.
    func call(
        _ method: HTTPRequest.Method, _ uri: String, key: String? = nil, json: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> JSONReply {
        var headers = extra
        if let key { headers[.authorization] = "Bearer \(key)" }
        if json != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await execute(
            uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) }
        ) { response in
            let text = String(buffer: response.body)
            let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
            return JSONReply(status: response.status, headers: response.headers, object: object, text: text)
        }
    }
}
