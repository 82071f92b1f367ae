/// The last `limit` values appended (a ring): how a newest-first page is served from a forward scan in bounded
/// memory. Also counts how many were appended, so a page knows whether more remain.
struct NewestEntries<Element> {
    let limit: Int
    private var ring: [Element] = []
    private var start = 0
    private(set) var appendedCount = 0

    init(limit: Int) {
        precondition(limit >= 0)
        self.limit = limit
        ring.reserveCapacity(min(limit, 4096))
    }

    mutating func append(_ element: Element) {
        appendedCount += 1
        guard limit > 0 else { return }
        if ring.count < limit {
            ring.append(element)
        } else {
            ring[start] = element
            start = (start + 1) % limit
        }
    }

    /// Newest first.
    var newestFirst: [Element] {
        Array((ring[start...] + ring[..<start]).reversed())
    }

    /// True when some appended values fell out of the ring.
    var hasOlder: Bool { appendedCount > ring.count }
}
