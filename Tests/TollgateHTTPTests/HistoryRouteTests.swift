import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

import TollgateBilling
import TollgateEngine
@testable import TollgateHTTP

/// Transactions, audit, usage and statements: the engine's log queries behind the API's keys and parameters.
@Suite struct HistoryRouteTests {
    /// bob: grant 10, debits of 1, 2, 3; carol: grant 5.
    static func seed(_ client: some TestClientProtocol, _ server: TestServer) async throws {
        try await ServiceRouteTests.grant(client, server, user: "bob", amount: "10")
        try await ServiceRouteTests.grant(client, server, user: "carol", amount: "5")
        for amount in ["1", "2", "3"] {
            let debit = try await client.call(
                .post, "/api/v1/debits", key: server.serviceKey, json: "{\"user_id\":\"bob\",\"amount\":\"\(amount)\"}")
            #expect(debit.status == .ok)
        }
    }

    @Test func transactionsArePagedNewestFirstForTheKeysUserOnly() async throws {
        let server = try TestServer()
        try await server.test { client in
            try await Self.seed(client, server)
            let first = try await client.call(.get, "/api/v1/users/me/transactions?limit=2", key: server.bobKey)
            #expect(first.status == .ok, "\(first.text)")
            #expect(first.string("user_id") == "bob")
            let transactions = try #require(first["transactions"] as? [[String: Any]])
            #expect(transactions.count == 2)
            #expect(transactions.first?["balance_after"] as? String == "4.000")
            let cursor = try #require(first.int("next_before_seq"))
            let second = try await client.call(
                .get, "/api/v1/users/me/transactions?limit=2&before_seq=\(cursor)", key: server.bobKey)
            let older = try #require(second["transactions"] as? [[String: Any]])
            #expect(older.count == 2)
            #expect(older.last?["initiated_by"] as? String == TestServer.adminName, "\(second.text)")
            #expect(second["next_before_seq"] is NSNull)
            let carol = try await client.call(.get, "/api/v1/users/me/transactions", key: server.carolKey)
            #expect((carol["transactions"] as? [[String: Any]])?.count == 1)
        }
    }

    @Test(arguments: ["limit=0", "limit=abc", "before_seq=-1", "cursor=3"])
    func badTransactionParametersAre422(query: String) async throws {
        let server = try TestServer()
        try await server.test { client in
            let reply = try await client.call(.get, "/api/v1/users/me/transactions?\(query)", key: server.bobKey)
            #expect(reply.status == .unprocessableContent, "\(reply.text)")
            #expect(reply.string("field") != nil)
        }
    }

    @Test func auditListsTheAdminsActions() async throws {
        let server = try TestServer()
        try await server.test { client in
            try await Self.seed(client, server)
            let reply = try await client.call(
                .get, "/api/v1/admin/audit?initiated_by=\(TestServer.adminName)&order=oldest", key: server.adminKey)
            #expect(reply.status == .ok, "\(reply.text)")
            #expect((reply["entries"] as? [Any])?.count == 2)
            #expect(reply.bool("truncated") == false)
            let missing = try await client.call(.get, "/api/v1/admin/audit", key: server.adminKey)
            #expect(missing.status == .unprocessableContent)
            #expect(missing.string("field") == "initiated_by")
        }
    }

    @Test func usageSummaryByDay() async throws {
        let server = try TestServer()
        try await server.test { client in
            try await Self.seed(client, server)
            let reply = try await client.call(.get, "/api/v1/admin/usage/summary?bucket=day", key: server.adminKey)
            #expect(reply.status == .ok, "\(reply.text)")
            #expect(reply.string("bucket") == "day")
            #expect((reply["days"] as? [Any])?.count == 1)
            let hour = try await client.call(.get, "/api/v1/admin/usage/summary?bucket=hour", key: server.adminKey)
            #expect(hour.status == .unprocessableContent)
            #expect(hour.string("field") == "bucket")
        }
    }

    @Test func statementAsCSVAndJSON() async throws {
        let server = try TestServer()
        try await server.test { client in
            try await Self.seed(client, server)
            let month = String(Date().ISO8601Format().prefix(7))
            let csv = try await client.execute(
                uri: "/api/v1/admin/users/bob/statement?month=\(month)", method: .get,
                headers: [.authorization: "Bearer \(server.adminKey)"]
            ) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/csv") == true)
                return String(buffer: response.body)
            }
            let rows = csv.split(separator: "\r\n")
            #expect(rows.first?.hasPrefix("row,seq,time,type") == true)
            #expect(rows.filter { $0.hasPrefix("transaction,") }.count == 4, "\(csv)")
            let json = try await client.call(
                .get, "/api/v1/admin/users/bob/statement?month=\(month)&format=json", key: server.adminKey)
            #expect(json.status == .ok, "\(json.text)")
            #expect((json["closing_balance"] as? [String: Any])?["credits"] as? String == "4.000")
            let bad = try await client.call(
                .get, "/api/v1/admin/users/bob/statement?month=2026-13", key: server.adminKey)
            #expect(bad.status == .unprocessableContent)
            #expect(bad.string("field") == "month")
        }
    }

    @Test func accountingJournalAsCSVAndJSON() async throws {
        let server = try TestServer()
        try await server.test { client in
            try await Self.seed(client, server)  // bob's 10 admin credits carry no cash.
            _ = try await server.engine.submit(
                .grant(.init(userID: "dave", amount: Millicredits(rawValue: 20_000), source: .purchase)))
            _ = try await server.engine.submit(.debit(.init(userID: "dave", amount: Millicredits(rawValue: 1_500))))
            let day = String(Date().ISO8601Format().prefix(10))
            let csv = try await client.execute(
                uri: "/api/v1/admin/accounting/journal?date=\(day)", method: .get,
                headers: [.authorization: "Bearer \(server.adminKey)"]
            ) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/csv") == true)
                return String(buffer: response.body)
            }
            let rows = csv.split(separator: "\r\n").map(String.init)
            #expect(rows.first == JournalDay.csvHeader.joined(separator: ","))
            #expect(rows.count == 5, "\(csv)")  // Purchase and consumption, two lines each.
            #expect(rows.dropFirst().allSatisfy { $0.hasPrefix(day + ",") })
            let json = try await client.call(
                .get, "/api/v1/admin/accounting/journal?date=\(day)&format=json", key: server.adminKey)
            #expect(json.status == .ok, "\(json.text)")
            let totals = try #require(json["totals"] as? [String: Any])
            #expect(totals["debit"] as? String == "0.0215")
            #expect(totals["credit"] as? String == "0.0215")
            let balances = try #require(json["closing_balances"] as? [String: Any])
            #expect(balances["deferred_revenue"] as? String == "0.0185")
            for query in ["date=2026-02-30", "", "date=\(day)&format=xml"] {
                let bad = try await client.call(.get, "/api/v1/admin/accounting/journal?\(query)", key: server.adminKey)
                #expect(bad.status == .unprocessableContent, "\(query)")
            }
            let user = try await client.call(.get, "/api/v1/admin/accounting/journal?date=\(day)", key: server.bobKey)
            #expect(user.status == .forbidden)
        }
    }
}
