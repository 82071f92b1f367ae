import ArgumentParser
import Foundation
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
    @Option(
        name: .customLong("charge-rate-per-minute"),
        help: "Debits and consumes per user per minute; excess gets 429 with Retry-After (0: no limit).")
    var chargeRatePerMinute = HTTPConfiguration.defaultChargeRequestsPerMinute
    @Option(
        name: .customLong("purchase-rate-per-minute"),
        help: "Requests under /api/v1/webhooks/ per client IP per minute (0: no limit).")
    var purchaseRatePerMinute = HTTPConfiguration.defaultPurchaseRequestsPerMinute
    @Flag(
        name: .customLong("trust-forwarded-for"),
        help: "Rate-limit purchases by the first X-Forwarded-For address (only behind a proxy that sets it).")
    var trustForwardedFor = false
    @Flag(
        name: .customLong("no-debit-fast-path"),
        help: "Route every debit through Hummingbird's router (same responses; the event-loop fast path is on by default)."
    )
    var noDebitFastPath = false
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"
    @Option(
        name: .customLong("webhook-secret-file"),
        help: "File holding the payment webhook signing secret (else env TOLLGATE_WEBHOOK_SECRET; none: 503).")
    var webhookSecretFile: String?
    @Option(name: .customLong("webhook-tolerance-seconds"), help: "Largest age of a webhook signature.")
    var webhookToleranceSeconds = WebhookSignature.toleranceSecondsDefault
    @Option(name: .customLong("webhook-retry-interval-seconds"), help: "Period of automatic payment event retries.")
    var webhookRetryIntervalSeconds = WebhookConfiguration.retryIntervalSecondsDefault

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0…65535, got \(port)") }
        guard bodyLimitBytes > 0 else { throw ValidationError("--body-limit-bytes must be > 0") }
        guard webhookToleranceSeconds >= 0 else { throw ValidationError("--webhook-tolerance-seconds must be ≥ 0") }
        guard webhookRetryIntervalSeconds >= 1 else {
            throw ValidationError("--webhook-retry-interval-seconds must be ≥ 1")
        }
        guard chargeRatePerMinute >= 0 else { throw ValidationError("--charge-rate-per-minute must be ≥ 0") }
        guard purchaseRatePerMinute >= 0 else { throw ValidationError("--purchase-rate-per-minute must be ≥ 0") }
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
        var httpConfiguration = HTTPConfiguration(
            host: host, port: port, bodySizeBytesMax: bodyLimitBytes, chargeRequestsPerMinute: chargeRatePerMinute,
            purchaseRequestsPerMinute: purchaseRatePerMinute, trustForwardedFor: trustForwardedFor)
        httpConfiguration.debitFastPath = !noDebitFastPath
        httpConfiguration.webhooks = WebhookConfiguration(
            signature: try webhookSecret().map {
                WebhookSignature(secret: $0, toleranceSeconds: webhookToleranceSeconds)
            },
            retryIntervalSeconds: webhookRetryIntervalSeconds)
        let application = TollgateAPI.application(
            engine: service, dataDirectory: dataOptions.data, keys: ring, configuration: httpConfiguration,
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

    /// The secret's bytes: the file's content without its trailing newline, else the environment variable.
    private func webhookSecret() throws -> [UInt8]? {
        var text: String?
        if let webhookSecretFile {
            do {
                text = try String(contentsOfFile: webhookSecretFile, encoding: .utf8)
            } catch {
                StandardStreams.error(
                    "tollgate: error: cannot read --webhook-secret-file \(webhookSecretFile): \(error)")
                throw ExitCode.failure
            }
        } else {
            text = ProcessInfo.processInfo.environment["TOLLGATE_WEBHOOK_SECRET"]
        }
        guard let secret = text?.trimmingCharacters(in: .whitespacesAndNewlines), !secret.isEmpty else {
            if webhookSecretFile != nil {
                StandardStreams.error("tollgate: error: --webhook-secret-file is empty")
                throw ExitCode.failure
            }
            return nil
        }
        return Array(secret.utf8)
    }
}
