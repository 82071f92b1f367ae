import ArgumentParser
import Hummingbird
import Logging
import TollgateEngine
import TollgateHTTP

/// `tollgate serve --data DIR [--host H] [--port P] [--keys FILE]`: the HTTP API over the same engine path as
/// `apply`. SIGTERM or SIGINT stop it gracefully: no new requests, in-flight ones finish, the log is made
/// durable and closed, exit 0.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve the HTTP API (Hummingbird) over the log in --data.")

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var billingOptions: BillingOptions
    @OptionGroup var writeOptions: WriteOptions

    @Option(name: .long, help: "Address to listen on.") var host = "127.0.0.1"
    @Option(name: .long, help: "Port to listen on (0: any free port).") var port = 8080
    @Option(name: .long, help: "API key file (default: DIR/api-keys.jsonl; see `tollgate keys add`).")
    var keys: String?
    @Option(name: .customLong("body-limit-bytes"), help: "Largest request body accepted (413 beyond).")
    var bodyLimitBytes = HTTPConfiguration.defaultBodySizeBytesMax
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0…65535, got \(port)") }
        guard bodyLimitBytes > 0 else { throw ValidationError("--body-limit-bytes must be > 0") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "tollgate")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info

        let keyPath = keys ?? APIKeyStore.defaultPath(dataDirectory: dataOptions.data)
        let keyStore: APIKeyStore
        do {
            keyStore = try APIKeyStore.load(path: keyPath)
        } catch {
            StandardStreams.error("tollgate: error: \(error)")
            throw ExitCode.failure
        }
        if keyStore.entries.isEmpty {
            logger.warning(
                "no API keys in \(keyPath): every keyed route answers 401 (add one with `tollgate keys add`)")
        }
        let configuration = EngineConfiguration(
            directory: dataOptions.data, log: try writeOptions.logConfiguration(),
            billing: try billingOptions.configuration())
        let engine: Engine
        do {
            engine = try Engine(configuration: configuration)
        } catch {
            StandardStreams.error("tollgate: error: \(error)")
            throw ExitCode.failure
        }
        let service = EngineService(engine: engine)
        let metrics = TollgateMetrics()
        service.observeCommits { metrics.recordAppend($0) }
        let ring = APIKeyRing(keyStore)
        let application = TollgateAPI.application(
            engine: service, dataDirectory: dataOptions.data, keys: ring,
            configuration: HTTPConfiguration(host: host, port: port, bodySizeBytesMax: bodyLimitBytes),
            logger: logger, metrics: metrics,
            services: [KeyReloadService(ring: ring, path: keyPath, logger: logger)])
        logger.info("serving", metadata: ["host": "\(host)", "port": "\(port)", "data": "\(dataOptions.data)"])
        do {
            try await application.runService()
        } catch {
            // The engine service has already drained and closed the log when the group stops with an error.
            StandardStreams.error("tollgate: error: cannot serve on \(host):\(port): \(error)")
            throw ExitCode.failure
        }
        if let failure = service.failed {
            StandardStreams.error("tollgate: error: the log failed while serving: \(failure)")
            throw ExitCode.failure
        }
    }
}
