extension Array {
    /// The index of the element whose key equals `key`, in an array sorted by that key (ascending, no two equal):
    /// a binary search, ⌈log2(count + 1)⌉ steps at most. The per-debit tables of a replay (the charged-debit
    /// ledger, the journal's single-lot debits) are such arrays, searched when a refund names a debit.
    @inlinable
    package func sortedIndex<Key: Comparable>(of key: Key, by keyOf: (Element) -> Key) -> Int? {
        var low = 0
        var high = count
        while low < high {  // Halves each time.
            let middle = (low + high) / 2
            if keyOf(self[middle]) < key { low = middle + 1 } else { high = middle }
        }
        return low < count && keyOf(self[low]) == key ? low : nil
    }
}
