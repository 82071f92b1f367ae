import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TollgateBilling

@testable import TollgateHTTP

/// Many handlers at once through the group commit: every debit gets its own seq, none is lost or doubled.
@Suite struct ConcurrencyTests {
    @Test func concurrentDebitsGetDistinctContiguousSeqs() async throws {
        let server = try TestServer()
        let debitCount = 200
        try await server.test { client in
            try await ServiceRouteTests.grant(client, server, user: "bob", amount: "1000")
            let seqs = try await withThrowingTaskGroup(of: Int?.self) { group in
                for index in 0..<debitCount {
                    group.addTask {
                        let reply = try await client.call(
                            .post, "/api/v1/debits", key: server.serviceKey,
                            json: "{\"user_id\":\"bob\",\"amount\":\"0.5\",\"request_id\":\"r\(index)\"}",
                            headers: [.idempotencyKey: "debit-\(index)"])
                        #expect(reply.status == .ok, "\(reply.text)")
                        return reply.int("seq")
                    }
                }
                var seqs: [Int] = []
                for try await seq in group { if let seq { seqs.append(seq) } }
                return seqs.sorted()
            }
            #expect(seqs == Array(2...(debitCount + 1)))
            let balance = try await client.call(.get, "/api/v1/users/me/balance", key: server.bobKey)
            #expect(balance.string("balance") == "900.000")
        }
    }
}
