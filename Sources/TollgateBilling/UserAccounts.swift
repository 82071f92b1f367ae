/// The users' accounts by dense slot, each ``UserAccount`` on an aligned pair of cache lines of its own: a value
/// with copy on write, like the `ContiguousArray` it replaces.
///
/// Why not that array: its elements start 32 bytes into its heap buffer (the array's header), and malloc places
/// the buffer on a 16-byte boundary, so where an account's lines fell depended on where the buffer landed. A verified
/// replay touches every per-user line of a charged debit's user (10k users round-robin: each one a miss); with the
/// last 20 charges inline, an account aligned on 128 bytes is all of this state's part of them (docs/benchmarks.md,
/// `verify-lines`).
struct UserAccounts: Sendable, RandomAccessCollection, MutableCollection {
    /// One account's bytes and alignment: two 64-byte cache lines, which x86-64's L2 prefetches as a pair.
    static let blockSizeBytes = 128

    /// The heap block: `count` initialized accounts of `capacity`, 128-byte aligned.
    ///
    /// `@unchecked Sendable`: a storage is only mutated through a ``UserAccounts`` holding its only reference
    /// (every mutating path checks `isKnownUniquelyReferenced` first), so a shared storage is never written.
    final class Storage: @unchecked Sendable {
        let base: UnsafeMutablePointer<UserAccount>
        let capacity: Int
        var count = 0

        init(capacity: Int) {
            assert(
                MemoryLayout<UserAccount>.stride == UserAccounts.blockSizeBytes,
                "one account a block: keep UserAccount at 128 bytes (docs/billing-decisions.md, Memory)")
            precondition(capacity >= 0 && capacity <= State.userCountMax, "account capacity out of range")
            self.capacity = capacity
            // One element at least: a zero-byte allocation need not be aligned.
            let raw = UnsafeMutableRawPointer.allocate(
                byteCount: Swift.max(capacity, 1) * MemoryLayout<UserAccount>.stride,
                alignment: UserAccounts.blockSizeBytes)
            assert(Int(bitPattern: raw) % UserAccounts.blockSizeBytes == 0, "accounts aligned")
            base = raw.bindMemory(to: UserAccount.self, capacity: Swift.max(capacity, 1))
        }

        /// A new storage of `capacity` holding copies of these accounts (this one keeps its own).
        func copy(capacity newCapacity: Int) -> Storage {
            assert(newCapacity >= count)
            let result = Storage(capacity: newCapacity)
            result.base.initialize(from: base, count: count)
            result.count = count
            return result
        }

        /// A new storage of `capacity` to which these accounts move (this one is left empty).
        func move(capacity newCapacity: Int) -> Storage {
            assert(newCapacity >= count)
            let result = Storage(capacity: newCapacity)
            result.base.moveInitialize(from: base, count: count)
            result.count = count
            count = 0
            return result
        }

        deinit {
            base.deinitialize(count: count)
            base.deallocate()
        }
    }

    private var storage = Storage(capacity: 0)

    init() {}

    var startIndex: Int { 0 }
    var endIndex: Int { storage.count }
    var count: Int { storage.count }
    var capacity: Int { storage.capacity }

    subscript(position: Int) -> UserAccount {
        unsafeAddress {
            precondition(position >= 0 && position < storage.count, "account slot out of range")
            return UnsafePointer(storage.base + position)
        }
        unsafeMutableAddress {
            precondition(position >= 0 && position < storage.count, "account slot out of range")
            makeUnique()
            return storage.base + position
        }
    }

    /// Adds `account` at slot `count`, doubling the capacity when full (amortized O(1), as the array's append).
    mutating func append(_ account: UserAccount) {
        if storage.count == storage.capacity {
            grow(toAtLeast: storage.count + 1)
        } else {
            makeUnique()
        }
        (storage.base + storage.count).initialize(to: account)
        storage.count += 1
    }

    mutating func reserveCapacity(_ minimumCapacity: Int) {
        if minimumCapacity > storage.capacity {
            storage = isKnownUniquelyReferenced(&storage)
                ? storage.move(capacity: minimumCapacity) : storage.copy(capacity: minimumCapacity)
        } else {
            makeUnique()
        }
    }

    private mutating func grow(toAtLeast minimumCapacity: Int) {
        let doubled = Swift.max(16, storage.capacity * 2)
        let newCapacity = Swift.min(Swift.max(doubled, minimumCapacity), State.userCountMax)
        precondition(newCapacity >= minimumCapacity, "user count limit reached")
        storage = isKnownUniquelyReferenced(&storage)
            ? storage.move(capacity: newCapacity) : storage.copy(capacity: newCapacity)
    }

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            storage = storage.copy(capacity: storage.capacity)
        }
    }
}
