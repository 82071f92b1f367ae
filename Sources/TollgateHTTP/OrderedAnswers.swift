/// The answers one connection owes, in request order (HTTP/1.1 answers requests in the order they came): an answer
/// that arrives early waits in its slot until every one before it can be written.
///
/// Used on one event loop by both debit fast-path handlers (``DebitFastPathFront``, ``DebitFastPathHandler``);
/// they bound it (at most ``DebitFastPathHandler/slotCountMax`` owed before reading pauses).
struct OrderedAnswers<Answer> {
    private struct Slot {
        var id: UInt64
        var answer: Answer?
    }

    private var slots: [Slot] = []
    private var nextSlotID: UInt64 = 0

    /// Answers owed, answered or not.
    var count: Int { slots.count }
    var isEmpty: Bool { slots.isEmpty }

    /// A slot for an answer still to come; pass its id to ``fill(_:with:)``.
    mutating func reserve() -> UInt64 {
        defer { nextSlotID += 1 }
        slots.append(Slot(id: nextSlotID, answer: nil))
        return nextSlotID
    }

    /// A slot answered at once (behind the ones owed before it).
    mutating func append(_ answer: Answer) {
        slots.append(Slot(id: nextSlotID, answer: answer))
        nextSlotID += 1
    }

    /// Puts the answer of the reserved slot `id` in place.
    mutating func fill(_ id: UInt64, with answer: Answer) {
        guard let index = slots.firstIndex(where: { $0.id == id }) else {
            assertionFailure("no slot \(id)")
            return
        }
        slots[index].answer = answer
    }

    /// The first answer, once it is there (and every one before it has been taken).
    mutating func popReady() -> Answer? {
        guard let first = slots.first, let answer = first.answer else { return nil }
        slots.removeFirst()
        return answer
    }
}
