import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TollgateBilling

@testable import TollgateHTTP

/// Keeps `/openapi.yaml` true: the router's routes and the document's operations are the same set, each with
/// the role the auth matrix checks.
@Suite struct OpenAPIDocumentTests {
    struct Operation: Hashable, CustomStringConvertible {
        var method: String
        var path: String
        var description: String { "\(method) \(path)" }
    }

    /// Operations of the document's `paths:` section with their `x-tollgate-role`.
    static func documentOperations() -> [Operation: String] {
        var operations: [Operation: String] = [:]
        var inPaths = false
        var path: String?
        var method: String?
        for line in OpenAPIDocument.yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" {
                inPaths = true
                continue
            }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), !line.hasPrefix("   "), line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                method = String(line.dropFirst(4).dropLast()).uppercased()
            } else if line.hasPrefix("      x-tollgate-role: "), let path, let method {
                operations[Operation(method: method, path: path)] = String(
                    line.dropFirst("      x-tollgate-role: ".count))
            }
        }
        return operations
    }

    /// Enough of a backend to build the router; never called.
    struct RoutesOnlyBackend: BillingBackend {
        func submit(_ command: Command) async throws -> JSONValue { .null }
        var writeFailure: String? { nil }
        func balance(userID: String) -> JSONValue { .null }
        func enforcement(userID: String, at time: Timestamp) -> JSONValue { .null }
        func modulePolicyJSON(userID: String, at time: Timestamp) -> String { "{}" }
        func settings() -> JSONValue { .null }
        func userState(userID: String, at time: Timestamp) -> JSONValue { .null }
        func policy() -> JSONValue { .null }
        func userEnforcement(userID: String, at time: Timestamp) -> UserEnforcement {
            UserEnforcement(
                userID: userID, evaluatedAt: time, state: .active, triggeredMetrics: [], effectivePolicyJSON: "{}")
        }
    }

    static func routerOperations() throws -> Set<Operation> {
        let router = TollgateAPI.router(
            backend: RoutesOnlyBackend(), history: LogHistory(directory: "/nonexistent"),
            keys: APIKeyRing(try APIKeyStore()))
        return Set(router.routes.map { Operation(method: $0.method.rawValue, path: $0.path.description) })
    }

    @Test func everyRouteIsDocumentedAndNothingElse() throws {
        let documented = Self.documentOperations()
        let routes = try Self.routerOperations()
        #expect(!routes.isEmpty)
        #expect(routes.subtracting(documented.keys).sorted { $0.description < $1.description } == [])
        #expect(Set(documented.keys).subtracting(routes).sorted { $0.description < $1.description } == [])
    }

    @Test func documentedRolesMatchTheAuthMatrix() throws {
        for (operation, role) in Self.documentOperations() where role != "public" {
            let pattern =
                "^"
                + operation.path.replacingOccurrences(
                    of: #"\{[^}]+\}"#, with: "[^/]+", options: .regularExpression) + "$"
            let cases = AuthMatrixTests.routes.filter {
                $0.method.rawValue == operation.method
                    && String($0.path.prefix { $0 != "?" }).range(of: pattern, options: .regularExpression) != nil
            }
            #expect(cases.count == 1, "\(operation) is not in the auth matrix exactly once")
            #expect(cases.first?.role.rawValue == role, "\(operation)")
        }
    }

    @Test func servedAsYAML() async throws {
        let server = try TestServer()
        try await server.test { client in
            try await client.execute(uri: "/openapi.yaml", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("application/yaml") == true)
                #expect(String(buffer: response.body).hasPrefix("openapi: 3.1.0"))
            }
        }
    }
}
