import ArgumentParser
import TollgateHTTP
import TollgateBilling

/// `tollgate keys …`: API keys of the HTTP service.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage the API keys of `tollgate serve`.",
        subcommands: [AddKeyCommand.self, ListKeysCommand.self, RevokeKeyCommand.self])
}

/// Where the key file is: `--keys FILE`, else `DIR/api-keys.jsonl` of `--data DIR`.
struct KeyFileOptions: ParsableArguments {
    @Option(name: .long, help: "Data directory; the key file is DIR/api-keys.jsonl.") var data: String?
    @Option(name: .long, help: "The key file (instead of --data).") var keys: String?

    func validate() throws {
        guard (data == nil) != (keys == nil) else { throw ValidationError("give exactly one of --data or --keys") }
    }

    var path: String { keys ?? APIKeyStore.defaultPath(dataDirectory: data ?? ".") }
}

/// `tollgate keys list (--data DIR | --keys FILE)`: ids, roles and users; never a key or a digest.
struct ListKeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the API keys (no secrets).")

    @OptionGroup var keyFile: KeyFileOptions

    func run() throws {
        let store: APIKeyStore
        do {
            store = try APIKeyStore.load(path: keyFile.path)
        } catch {
            StandardStreams.error("tollgate: error: \(error)")
            throw ExitCode.failure
        }
        var text = ""
        for entry in store.entries {
            text += pad(entry.id, 12) + "  " + pad(entry.role.rawValue, 8) + "  " + (entry.userID ?? "-") + "\n"
        }
        StandardStreams.write(text)
    }
}

/// `tollgate keys revoke (--data DIR | --keys FILE) --id k-…`: removes a key; `serve` applies it on SIGHUP.
struct RevokeKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Remove an API key (takes effect on SIGHUP to `serve`, or its restart).")

    @OptionGroup var keyFile: KeyFileOptions
    @Option(name: .long, help: "The key id (k-…), as `keys list` shows it.") var id: String

    func run() throws {
        do {
            try APIKeyStore.remove(id: id, fromFileAt: keyFile.path)
        } catch {
            StandardStreams.error("tollgate: error: \(error)")
            throw ExitCode.failure
        }
        StandardStreams.error(
            "revoked \(id) in \(keyFile.path); send SIGHUP to `tollgate serve` (or restart it) to apply")
    }
}

/// `tollgate keys add (--data DIR | --keys FILE) --role admin|service|user [--user U]`: mints a key, stores only
/// its SHA-256 digest, and prints the key once on standard output.
struct AddKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Create an API key; print it once (only its digest is stored).")

    @OptionGroup var keyFile: KeyFileOptions
    @Option(name: .long, help: "admin, service or user.") var role: String
    @Option(
        name: .long,
        help: "The user a user key reads (required for user keys); an admin's name, recorded as initiated_by.")
    var user: String?

    func validate() throws {
        guard let role = Role(rawValue: role) else {
            throw ValidationError("--role must be admin, service or user, got `\(self.role)`")
        }
        switch role {
        case .user where user == nil: throw ValidationError("a user key needs --user")
        case .service where user != nil: throw ValidationError("a service key is not bound to a user; drop --user")
        default: break
        }
        if let user, !Identifier.isValid(user) {
            throw ValidationError("--user must be 1–128 bytes of [A-Za-z0-9._:@-], got `\(user)`")
        }
    }

    func run() throws {
        let path = keyFile.path
        let (key, entry) = APIKeyStore.mint(role: Role(rawValue: role)!, userID: user)
        do {
            // Load first: refuses to append to a file that is not a valid key file.
            var store = try APIKeyStore.load(path: path)
            try store.add(entry)
            try APIKeyStore.append(entry, toFileAt: path)
        } catch {
            StandardStreams.error("tollgate: error: \(error)")
            throw ExitCode.failure
        }
        StandardStreams.write(key + "\n")
        StandardStreams.error("added \(entry.role.rawValue) key \(entry.id) to \(path); the key is shown only once")
    }
}
