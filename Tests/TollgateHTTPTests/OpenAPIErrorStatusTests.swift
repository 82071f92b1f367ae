import Testing

@testable import TollgateHTTP

/// Found by `tools/api-fuzz` (schemathesis, "undocumented status code"): operations that read a JSON body answer
/// 400 (malformed JSON), 413 (too large) and 415 (not JSON) before any route logic, and operations with path
/// parameters answer 422 for a parameter that is not an identifier; the document must list those statuses, or a
/// client generated from it treats a documented error as a protocol violation.
@Suite struct OpenAPIErrorStatusTests {
    struct DocumentedOperation {
        var method: String
        var path: String
        var role: String?
        var hasBody = false
        var statuses: Set<String> = []
    }

    /// Operations of `paths:` with their role, whether they take a body and the statuses they list.
    static func operations() -> [DocumentedOperation] {
        var operations: [DocumentedOperation] = []
        var inPaths = false
        var path = ""
        for line in OpenAPIDocument.yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" {
                inPaths = true
                continue
            }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), !line.hasPrefix("   "), line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                operations.append(DocumentedOperation(method: String(line.dropFirst(4).dropLast()), path: path))
            } else if !operations.isEmpty {
                if line.hasPrefix("      x-tollgate-role: ") {
                    operations[operations.count - 1].role = String(line.dropFirst("      x-tollgate-role: ".count))
                } else if line.hasPrefix("      requestBody:") {
                    operations[operations.count - 1].hasBody = true
                } else if line.hasPrefix("        '"), line.dropFirst(8).prefix(5).hasSuffix("'") {
                    operations[operations.count - 1].statuses.insert(String(line.dropFirst(9).prefix(3)))
                }
            }
        }
        return operations
    }

    @Test func documentIsParsed() {
        let operations = Self.operations()
        #expect(operations.count >= 20)
        #expect(operations.allSatisfy { $0.role != nil && $0.statuses.contains("200") })
    }

    @Test func bodyAndPathErrorsAreDocumented() {
        for operation in Self.operations() where operation.role != "public" {
            var required: Set<String> = ["401", "403"]
            if operation.hasBody { required.formUnion(["400", "413", "415", "422"]) }
            if operation.path.contains("{") { required.insert("422") }
            let missing = required.subtracting(operation.statuses).sorted()
            #expect(missing.isEmpty, "\(operation.method.uppercased()) \(operation.path) does not list \(missing)")
        }
    }
}
