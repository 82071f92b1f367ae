import ArgumentParser
import TollgateBilling
import TollgateEngine

/// `tollgate webhooks list|replay`: the stored payment events, their dead letters, and an operator's replay.
struct WebhooksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks", abstract: "List stored payment webhook events and replay dead letters.",
        subcommands: [WebhooksListCommand.self, WebhooksReplayCommand.self])
}

/// `tollgate webhooks list --data DIR [--dead] [--limit N] [--json]`: the oldest `N` events (default all), like
/// `GET /api/v1/admin/webhooks?limit=`; the JSON says `count` and `truncated`.
struct WebhooksListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List stored payment events, oldest first (--dead: only dead letters).")

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var billingOptions: BillingOptions
    @ArgumentParser.Flag(name: .long, help: "Only events that failed every automatic attempt.") var dead = false
    @Option(name: .long, help: "Show at most N events, oldest first (default: all).") var limit: Int?
    @ArgumentParser.Flag(name: .long, help: "Print JSON.") var json = false

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be ≥ 1, got \(limit)") }
    }

    func run() throws {
        let state = try loadState(dataOptions, billingOptions)
        if json {
            StandardStreams.write(state.paymentEventsJSON(deadOnly: dead, limit: limit).rendered + "\n")
            return
        }
        var table = TextTable([
            ("seq", .right), ("event_id", .left), ("type", .left), ("status", .left), ("attempts", .right),
            ("last_outcome", .left), ("user", .left), ("payment_id", .left), ("cents", .right),
        ])
        let events = state.paymentEvents(deadOnly: dead)
        for event in events.prefix(limit ?? events.count) {
            table.append([
                String(event.seq), event.event.eventID, event.event.kind.name, event.status.rawValue,
                String(event.attemptCount), event.lastOutcome?.code ?? "-", event.event.userID ?? "-",
                event.event.paymentID, String(event.event.amountCents),
            ])
        }
        var text = table.rendered
        if let limit, events.count > limit { text += "(\(events.count - limit) more; raise --limit)\n" }
        StandardStreams.write(text)
    }
}

/// `tollgate webhooks replay --data DIR --event-id ID [--initiated-by NAME]`: one more attempt at a pending or
/// dead event, recorded like any other attempt.
struct WebhooksReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay", abstract: "Attempt a stored payment event once more (dead letters included).")

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var billingOptions: BillingOptions
    @OptionGroup var writeOptions: WriteOptions
    @Option(name: .customLong("event-id"), help: "The provider's event id.") var eventID: String
    @Option(name: .customLong("initiated-by"), help: "Who replays it (recorded as the attempt's initiator).")
    var initiatedBy = "cli"

    func validate() throws {
        for (name, value) in [("--event-id", eventID), ("--initiated-by", initiatedBy)] {
            let bytes = Array(value.utf8)
            guard (1...128).contains(bytes.count),
                bytes.allSatisfy({ byte in
                    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                        || Array("._:@-".utf8).contains(byte)
                })
            else { throw ValidationError("\(name) must be 1–128 bytes of [A-Za-z0-9._:@-]") }
        }
    }

    func run() throws {
        let configuration = EngineConfiguration(
            directory: dataOptions.data, log: try writeOptions.logConfiguration(),
            billing: try billingOptions.configuration())
        let result: JSONValue
        do {
            let engine = try Engine(configuration: configuration)
            defer { try? engine.close() }
            result = try engine.apply(commands: [
                .retryPaymentEvent(Command.PaymentRetry(eventID: eventID, initiatedBy: initiatedBy))
            ])[0]
        } catch {
            StandardStreams.error("tollgate: error: \(error)")
            throw ExitCode.failure
        }
        StandardStreams.write(result.rendered + "\n")
        if case .string("invalid")? = result["status"] { throw ExitCode.failure }
    }
}
