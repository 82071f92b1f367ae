import TollgateBilling

/// How a debit consumes credits, how an overdraft is settled and how a refund reverses a debit's consumption.
extension AccountingJournal {
    /// A charged debit: free credits first, then lots oldest first; what no credit covers is an overdraft.
    mutating func consume(
        slot: Int, millicredits: Int64, debitSeq: Int64, time: Timestamp, postings: inout [JournalPosting]
    ) {
        // The common case first: no free credits and the oldest open lot holds the whole charge — what the
        // general draw below does then, without building its `Draw`.
        if let posting = consumeFromOpenLot(slot: slot, millicredits: millicredits, debitSeq: debitSeq, time: time) {
            postings.append(posting)
            return
        }
        let taken = draw(
            slot: slot, millicredits: millicredits, kind: .consumption, seq: debitSeq, time: time, postings: &postings)
        if taken.shortfall > 0 {
            addOverdraft(slot: slot, millicredits: taken.shortfall, debitSeq: debitSeq)
        }
        if taken.freeMillicredits == 0, taken.shortfall == 0, taken.moreLotParts.isEmpty,
            let only = taken.firstLotPart, case .lot(let lotSeq) = only.source
        {
            singleLotDebits.append(debitSeq: debitSeq, lotSeq: lotSeq)
        } else if taken.firstLotPart != nil || taken.shortfall > 0 {
            allocations[debitSeq] = taken.parts
        }
    }

    /// ``consume(slot:millicredits:debitSeq:time:postings:)``'s common case alone — no free credits and the oldest
    /// open lot holds the whole charge — giving its one entry back instead of appending it to an array; nil, and
    /// nothing changed, for any other case. A replay's journal thread checks that entry at once
    /// (``AccountingVerifier/add(debit:seq:time:userSlot:)``): the array's per-record emptying, append and loop
    /// (each with its copy-on-write check) were a tenth of that thread's samples.
    @inline(__always)
    mutating func consumeFromOpenLot(
        slot: Int, millicredits: Int64, debitSeq: Int64, time: Timestamp
    ) -> JournalPosting? {
        guard let lotSeq = self[poolAt: slot].takeFromOpenLot(millicredits: millicredits) else { return nil }
        assert(poolExists(slot: slot), "a user with lots has a pool")
        let posting = posting(
            .consumption, debit: .deferredRevenue, credit: .revenue, microUSD: millicredits, seq: debitSeq, time: time,
            slot: slot, lotSeq: lotSeq)
        singleLotDebits.append(debitSeq: debitSeq, lotSeq: lotSeq)
        return posting
    }

    /// The lot a single-lot debit consumed from (``singleLotDebits``).
    func singleLot(ofDebit debitSeq: Int64) -> Int64? {
        singleLotDebits.lotSeq(ofDebit: debitSeq)
    }

    /// What ``draw(slot:millicredits:kind:seq:time:postings:)`` took: free credits, lot parts in order, and
    /// what was missing. Draws from free credits or from one lot (the common cases) allocate nothing: the first
    /// lot part is held inline, only further ones in an array.
    struct Draw {
        var freeMillicredits: Int64 = 0
        var firstLotPart: AllocationPart?
        var moreLotParts: [AllocationPart] = []
        var shortfall: Int64 = 0

        /// The lot parts in order of consumption.
        var lotParts: [AllocationPart] {
            guard let firstLotPart else { return [] }
            return [firstLotPart] + moreLotParts
        }

        mutating func appendLotPart(_ part: AllocationPart) {
            if firstLotPart == nil { firstLotPart = part } else { moreLotParts.append(part) }
        }

        /// Free, then lots, then the uncovered shortfall: the order of consumption.
        var parts: [AllocationPart] {
            var parts: [AllocationPart] = []
            if freeMillicredits > 0 { parts.append(AllocationPart(source: .free, millicredits: freeMillicredits)) }
            parts += lotParts
            if shortfall > 0 { parts.append(AllocationPart(source: .uncovered, millicredits: shortfall)) }
            return parts
        }
    }

    /// Takes up to `millicredits` from the user's credits — free first, then lots oldest first, posting
    /// Dr deferred_revenue / Cr revenue for each lot — and returns what it took and what was missing.
    mutating func draw(
        slot: Int, millicredits: Int64, kind: JournalEntryKind, seq: Int64, time: Timestamp,
        postings: inout [JournalPosting]
    ) -> Draw {
        ensurePool(slot: slot)
        var left = millicredits
        var taken = Draw()
        taken.freeMillicredits = min(left, self[poolAt: slot].freeMillicredits)
        self[poolAt: slot].freeMillicredits -= taken.freeMillicredits
        left -= taken.freeMillicredits
        while left > 0, self[poolAt: slot].firstOpenLot < self[poolAt: slot].lots.count {  // Bounded by the lots.
            let index = self[poolAt: slot].firstOpenLot
            let lot = self[poolAt: slot].lots[index]
            let take = min(left, lot.remainingMillicredits)
            if take > 0 {
                self[poolAt: slot].lots[index].remainingMillicredits -= take
                left -= take
                taken.appendLotPart(AllocationPart(source: .lot(seq: lot.seq), millicredits: take))
                post(kind, debit: .deferredRevenue, credit: .revenue, microUSD: take, seq: seq, time: time,
                     slot: slot, lotSeq: lot.seq, postings: &postings)
            }
            if lot.remainingMillicredits - take == 0 { self[poolAt: slot].firstOpenLot += 1 }
        }
        taken.shortfall = left
        return taken
    }

    mutating func addOverdraft(slot: Int, millicredits: Int64, debitSeq: Int64?) {
        ensurePool(slot: slot)
        self[poolAt: slot].overdraftMillicredits &+= millicredits
        self[poolAt: slot].uncovered.append(
            AccountingPool.UncoveredDebt(debitSeq: debitSeq, millicredits: millicredits))
    }

    /// Credits that arrive while the user is overdrawn pay the overdraft at once (free first, then lots oldest
    /// first; purchased credits so used are revenue), oldest uncovered consumption first. The debits whose
    /// consumption they cover now record the paying source, so a later refund gives it back.
    mutating func settle(slot: Int, seq: Int64, time: Timestamp, postings: inout [JournalPosting]) {
        guard poolExists(slot: slot) else { return }
        let owed = self[poolAt: slot].overdraftMillicredits
        guard owed > 0 else { return }
        let taken = draw(
            slot: slot, millicredits: owed, kind: .overdraftSettlement, seq: seq, time: time, postings: &postings)
        // Free and lot parts only: the shortfall stays uncovered.
        let parts = taken.parts.filter { $0.source != .uncovered }
        var pool = self[poolAt: slot]
        self[poolAt: slot] = AccountingPool()  // `pool` is the only reference until it is put back.
        pool.overdraftMillicredits = taken.shortfall
        var head = 0
        for part in parts {
            var left = part.millicredits
            while left > 0, head < pool.uncovered.count {  // Σ uncovered = overdraft ≥ Σ parts.
                let take = min(left, pool.uncovered[head].millicredits)
                if let debitSeq = pool.uncovered[head].debitSeq {
                    attribute(debitSeq: debitSeq, source: part.source, millicredits: take)
                }
                pool.uncovered[head].millicredits -= take
                left -= take
                if pool.uncovered[head].millicredits == 0 { head += 1 }
            }
            assert(left == 0, "the uncovered list adds up to the overdraft")
        }
        pool.uncovered.removeFirst(head)
        self[poolAt: slot] = pool
    }

    /// Moves `millicredits` of a debit's uncovered part to `source`, placed before what stays uncovered.
    private mutating func attribute(debitSeq: Int64, source: AllocationPart.Source, millicredits: Int64) {
        guard var parts = allocations[debitSeq],
            let index = parts.firstIndex(where: { $0.source == .uncovered })
        else {
            assertionFailure("an uncovered debit has its allocation")
            return
        }
        parts[index].millicredits -= millicredits
        if index > 0, parts[index - 1].source == source {
            parts[index - 1].millicredits += millicredits
        } else {
            parts.insert(AllocationPart(source: source, millicredits: millicredits), at: index)
        }
        parts.removeAll { $0.millicredits == 0 }
        allocations[debitSeq] = parts
    }

    /// A refund of `millicredits` of the debit `debitSeq`: its consumption is given back newest part first (an
    /// overdraft part, then lots, then free credits), so after a partial refund the debit stands as if it had
    /// charged only what is left of it. A lot takes back at most what it had consumed and is still paid for
    /// (after a cash refund the rest returns as free credits).
    mutating func reverse(
        slot: Int, debitSeq: Int64, millicredits: Int64, seq: Int64, time: Timestamp,
        postings: inout [JournalPosting]
    ) {
        // A single-lot debit's refunds all go to its lot (the billing rules keep them within its charge).
        var parts =
            allocations[debitSeq] ?? singleLot(ofDebit: debitSeq).map {
                [AllocationPart(source: .lot(seq: $0), millicredits: millicredits)]
            } ?? []
        var left = millicredits
        ensurePool(slot: slot)
        var pool = self[poolAt: slot]
        self[poolAt: slot] = AccountingPool()  // `pool` is the only reference until it is put back.
        var reversals: [(lot: PurchaseLot, millicredits: Int64)] = []
        while left > 0, let last = parts.last {  // Bounded by the parts of one debit.
            let take = min(left, last.millicredits)
            left -= take
            if take == last.millicredits { parts.removeLast() } else { parts[parts.count - 1].millicredits -= take }
            switch last.source {
            case .free:
                pool.freeMillicredits &+= take
            case .uncovered:
                pool.overdraftMillicredits -= take
                if let index = pool.uncovered.firstIndex(where: { $0.debitSeq == debitSeq }) {
                    pool.uncovered[index].millicredits -= take
                    if pool.uncovered[index].millicredits == 0 { pool.uncovered.remove(at: index) }
                }
            case .lot(let lotSeq):
                guard let index = pool.lotIndex(seq: lotSeq) else {
                    assertionFailure("an allocation names a lot of its user")
                    pool.freeMillicredits &+= take
                    continue
                }
                let back = min(take, pool.lots[index].consumedPaidMillicredits)
                pool.lots[index].remainingMillicredits += back
                pool.freeMillicredits &+= take - back
                pool.firstOpenLot = min(pool.firstOpenLot, index)
                if back > 0 { reversals.append((pool.lots[index], back)) }
            }
        }
        // A debit without an allocation consumed free credits only; so does anything beyond its parts.
        pool.freeMillicredits &+= left
        if parts.isEmpty { allocations[debitSeq] = nil } else if allocations[debitSeq] != nil {
            allocations[debitSeq] = parts
        }
        self[poolAt: slot] = pool
        for (lot, amount) in reversals {
            post(.consumptionReversal, debit: .revenue, credit: .deferredRevenue, microUSD: amount, seq: seq,
                 time: time, slot: slot, lotSeq: lot.seq, postings: &postings)
        }
        settle(slot: slot, seq: seq, time: time, postings: &postings)
    }
}
