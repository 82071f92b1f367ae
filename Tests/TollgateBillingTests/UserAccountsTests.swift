import Testing

@testable import TollgateBilling

/// The accounts' aligned storage (docs/billing-decisions.md, "Memory") keeps the array's value semantics: growth
/// keeps every account, and a copy is independent of the original whichever side is written afterwards.
@Suite struct UserAccountsTests {
    static func account(_ index: Int) -> UserAccount {
        var account = UserAccount(userID: "user-\(index)")
        account.balance = Millicredits(rawValue: Int64(index) * 1_000)
        account.post(charge: Int64(index % 7 + 1), onDay: 20_000)
        return account
    }

    /// `State.ensureSlot(of:)` (one hash for look-up and insert, a new slot — or a miss — remembered for the look-ups
    /// after it): dense slots in order of first sight, the same slot for a known id whatever was looked up in
    /// between, and a state whose slots and accounts agree (``State/invariantViolations()``).
    @Test func ensureSlotGivesDenseStableSlots() {
        var state = State(configuration: BillingConfiguration(creditEnforcementEnabled: true))
        var model: [String: Int] = [:]
        var random = BillingSplitMix64(seed: 3)
        for _ in 0..<5_000 {
            let userID = "user-\(random.next() % 1_500)"
            let expected = model[userID] ?? model.count
            model[userID] = expected
            #expect(state.ensureSlot(of: userID) == expected)
            #expect(state.slot(of: userID) == expected)
            if random.next() % 3 == 0 {
                let other = "user-\(random.next() % 2_000)"
                #expect(state.slot(of: other) == model[other])
                #expect(state.focusSlot(of: other) == model[other])
            }
        }
        #expect(state.accounts.count == model.count)
        // A look-up that misses (remembered as "no slot") and the first sight right after it.
        #expect(state.focusSlot(of: "new") == nil)
        #expect(state.slot(of: "new") == nil)
        #expect(state.ensureSlot(of: "new") == model.count)
        #expect(state.slot(of: "new") == model.count)
        #expect(state.focusSlot(of: "new") == model.count)
        #expect(state.invariantViolations().isEmpty)
    }

    @Test func growthKeepsEveryAccount() {
        var accounts = UserAccounts()
        for index in 0..<1_000 { accounts.append(Self.account(index)) }
        #expect(accounts.count == 1_000)
        for index in [0, 1, 15, 16, 17, 511, 999] {
            #expect(accounts[index].userID == "user-\(index)")
            #expect(accounts[index].balance.rawValue == Int64(index) * 1_000 - Int64(index % 7 + 1))
            #expect(accounts[index].recentCharges.amounts == [Int64(index % 7 + 1)])
        }
        #expect(accounts.map(\.userID) == (0..<1_000).map { "user-\($0)" })
    }

    @Test func copiesAreIndependent() {
        var original = UserAccounts()
        for index in 0..<20 { original.append(Self.account(index)) }
        var copy = original
        copy[3].balance.rawValue += 5
        copy[3].post(charge: 9, onDay: 20_000)
        copy.append(Self.account(20))
        #expect(original.count == 20 && copy.count == 21)
        #expect(original[3].balance == Self.account(3).balance)
        #expect(original[3].recentCharges.amounts == [4])
        #expect(copy[3].recentCharges.amounts == [4, 9])
        // And the other way round: writing the original leaves the copy as it was.
        let snapshot = original
        original[0].suspended = true
        original.reserveCapacity(100)
        #expect(!snapshot[0].suspended && original[0].suspended)
        #expect(snapshot.count == 20 && original.count == 20)
    }

    @Test func reservedCapacityKeepsAccounts() {
        var accounts = UserAccounts()
        accounts.reserveCapacity(3)
        for index in 0..<3 { accounts.append(Self.account(index)) }
        accounts.reserveCapacity(40)
        #expect(accounts.capacity >= 40)
        #expect(accounts.map(\.userID) == ["user-0", "user-1", "user-2"])
    }
}
