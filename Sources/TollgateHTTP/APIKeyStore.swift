import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The API keys the service accepts, loaded from a key file that holds only their SHA-256 digests.
///
/// The file has one JSON object per line: `{"id":"k-1a2b3c4d","role":"user","user_id":"alice","sha256":"…"}`
/// (`user_id` is required for user keys, optional for admin keys — the admin's name recorded as
/// `initiated_by` — and absent for service keys). A key itself is `tg_` followed by 64 hex digits of random; it is
/// shown once by `tollgate keys add` and never stored.
public struct APIKeyStore: Sendable {
    public struct Entry: Codable, Hashable, Sendable {
        public var id: String
        public var role: Role
        public var userID: String?
        /// Lowercase hex SHA-256 of the key's UTF-8 bytes.
        public var sha256: String

        enum CodingKeys: String, CodingKey {
            case id, role
            case userID = "user_id"
            case sha256
        }

        public init(id: String, role: Role, userID: String?, sha256: String) {
            self.id = id
            self.role = role
            self.userID = userID
            self.sha256 = sha256
        }
    }

    public struct LoadError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Keys beyond this many are refused at load: each request compares against every digest.
    public static let entryCountMax = 10_000
    static let keyPrefix = "tg_"

    public private(set) var entries: [Entry]
    /// Digests as bytes, index-aligned with `entries`.
    private var digests: [[UInt8]]

    public init(entries: [Entry] = []) throws(LoadError) {
        self.entries = []
        self.digests = []
        for entry in entries { try add(entry) }
    }

    /// The default key file of a data directory.
    public static func defaultPath(dataDirectory: String) -> String {
        (dataDirectory as NSString).appendingPathComponent("api-keys.jsonl")
    }

    /// Loads a key file; a missing file is an empty store (every keyed route then answers 401).
    public static func load(path: String) throws(LoadError) -> APIKeyStore {
        guard FileManager.default.fileExists(atPath: path) else { return try APIKeyStore() }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw LoadError(description: "cannot read the key file \(path): \(error)")
        }
        var store = try APIKeyStore()
        let decoder = JSONDecoder()
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let entry: Entry
            do {
                entry = try decoder.decode(Entry.self, from: Data(trimmed.utf8))
            } catch {
                throw LoadError(description: "\(path):\(index + 1): not a key entry: \(error)")
            }
            do {
                try store.add(entry)
            } catch {
                throw LoadError(description: "\(path):\(index + 1): \(error.description)")
            }
        }
        return store
    }

    /// Adds an entry after checking it (hex digest, user binding per role, unique id).
    public mutating func add(_ entry: Entry) throws(LoadError) {
        guard entries.count < Self.entryCountMax else {
            throw LoadError(description: "more than \(Self.entryCountMax) keys")
        }
        guard let digest = HexBytes.bytes(entry.sha256), digest.count == SHA256.byteCount else {
            throw LoadError(description: "key \(entry.id): sha256 must be 64 hex digits")
        }
        switch entry.role {
        case .user where entry.userID == nil:
            throw LoadError(description: "key \(entry.id): a user key needs user_id")
        case .service where entry.userID != nil:
            throw LoadError(description: "key \(entry.id): a service key has no user_id")
        default: break
        }
        guard !entries.contains(where: { $0.id == entry.id }) else {
            throw LoadError(description: "key id \(entry.id) appears twice")
        }
        entries.append(entry)
        digests.append(digest)
    }

    /// The caller a presented key belongs to, or nil. Compares the key's digest with every stored digest in
    /// constant time, without stopping at a match, so timing tells nothing about which digest matched.
    public func authenticate(key: String) -> Principal? {
        let presented = Array(SHA256.hash(data: Array(key.utf8)))
        var matchIndex = -1
        for (index, digest) in digests.enumerated() {
            var difference: UInt8 = 0
            for byteIndex in 0..<presented.count {
                difference |= presented[byteIndex] ^ digest[byteIndex]
            }
            // Branch-free select: keep the index when difference is zero.
            let isMatch = Int(difference == 0 ? 1 : 0)
            matchIndex = isMatch * index + (1 - isMatch) * matchIndex
        }
        guard matchIndex >= 0 else { return nil }
        let entry = entries[matchIndex]
        return Principal(keyID: entry.id, role: entry.role, userID: entry.userID)
    }

    // MARK: - Minting keys

    /// A new key and the entry to store for it. The key is shown once; only the entry is written.
    public static func mint(role: Role, userID: String?) -> (key: String, entry: Entry) {
        var generator = SystemRandomNumberGenerator()
        var secret: [UInt8] = []
        secret.reserveCapacity(32)
        for _ in 0..<4 {
            let word = generator.next() as UInt64
            for shift in stride(from: 0, to: 64, by: 8) { secret.append(UInt8(truncatingIfNeeded: word >> shift)) }
        }
        let key = keyPrefix + HexBytes.text(secret)
        let idWord = generator.next() as UInt32
        let id = "k-" + HexBytes.text(withUnsafeBytes(of: idWord.bigEndian) { Array($0) })
        let entry = Entry(id: id, role: role, userID: userID, sha256: digestHex(of: key))
        return (key, entry)
    }

    public static func digestHex(of key: String) -> String {
        HexBytes.text(Array(SHA256.hash(data: Array(key.utf8))))
    }

    /// Appends an entry to a key file (created with mode 0600 when missing).
    public static func append(_ entry: Entry, toFileAt path: String) throws(LoadError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let line: Data
        do {
            line = try encoder.encode(entry) + Data("\n".utf8)
        } catch {
            throw LoadError(description: "cannot encode the key entry: \(error)")
        }
        let manager = FileManager.default
        if !manager.fileExists(atPath: path) {
            guard manager.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw LoadError(description: "cannot create the key file \(path)")
            }
        }
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: line)
            try handle.synchronize()
        } catch {
            throw LoadError(description: "cannot write the key file \(path): \(error)")
        }
    }

    /// Rewrites a key file without the entry `id` (temporary file, fsync, rename): a revoked key stops working
    /// when the service next loads the file (SIGHUP or restart).
    public static func remove(id: String, fromFileAt path: String) throws(LoadError) {
        var store = try load(path: path)
        guard let index = store.entries.firstIndex(where: { $0.id == id }) else {
            throw LoadError(description: "no key \(id) in \(path)")
        }
        store.entries.remove(at: index)
        store.digests.remove(at: index)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var text = Data()
        for entry in store.entries {
            do {
                text += try encoder.encode(entry) + Data("\n".utf8)
            } catch {
                throw LoadError(description: "cannot encode key \(entry.id): \(error)")
            }
        }
        let temporary = path + ".tmp"
        let manager = FileManager.default
        try? manager.removeItem(atPath: temporary)
        guard manager.createFile(atPath: temporary, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw LoadError(description: "cannot create \(temporary)")
        }
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
            try handle.write(contentsOf: text)
            try handle.synchronize()
            try handle.close()
        } catch {
            try? manager.removeItem(atPath: temporary)
            throw LoadError(description: "cannot write \(temporary): \(error)")
        }
        // rename(2) replaces the file atomically; then the directory is made durable.
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? manager.removeItem(atPath: temporary)
            throw LoadError(description: "cannot replace the key file \(path): \(reason)")
        }
        let directory = open(
            (path as NSString).deletingLastPathComponent.isEmpty
                ? "." : (path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY)
        if directory >= 0 {
            _ = fsync(directory)
            _ = close(directory)
        }
    }
}
