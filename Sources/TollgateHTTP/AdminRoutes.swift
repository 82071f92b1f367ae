import HTTPTypes
import Hummingbird
import TollgateBilling
import TollgateEngine

/// Routes of administrators (admin keys). Every write records the admin as `initiated_by` — the name bound to
/// the admin key, else its key id — and refuses an `initiated_by` in the body.
struct AdminRoutes {
    typealias Context = TollgateRequestContext

    let backend: any BillingBackend
    let writePath: WritePath
    let history: LogHistory
    /// The request time: of readiness reports without `at`, and of the enforcement in a user's state.
    var clock: Clock = .system

    func collection(keys: APIKeyRing) -> RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.add(middleware: AuthMiddleware(keys: keys, allowed: [.admin]))
        routes.post("users/:user_id/credits", use: grant)
        routes.post("users/:user_id/refunds", use: refund)
        routes.get("users/:user_id/state", use: userState)
        routes.put("users/:user_id/subscription", use: subscribe)
        routes.put("users/:user_id/overrides/:entitlement_key", use: setOverride)
        routes.delete("users/:user_id/overrides/:entitlement_key", use: clearOverride)
        routes.post("users/:user_id/suspend", use: suspend)
        routes.post("users/:user_id/reinstate", use: reinstate)
        routes.patch("users/:user_id/limits", use: setUserLimits)
        routes.get("settings", use: settings)
        routes.patch("settings", use: patchSettings)
        routes.delete("settings", use: clearSettings)
        // The seeds' rollback path: the same as `DELETE settings` (clears the runtime override).
        routes.delete("settings/enforcement", use: clearSettings)
        routes.put("flags/:flag", use: setFlag)
        routes.delete("flags/:flag", use: clearFlag)
        routes.put("plans/:plan_id", use: definePlan)
        routes.get("audit", use: audit)
        routes.get("enforcement/readiness", use: readiness)
        routes.get("usage/summary", use: usageSummary)
        routes.get("users/:user_id/statement", use: statement)
        routes.get("webhooks", use: webhooks)
        routes.post("webhooks/:event_id/replay", use: replayWebhook)
        routes.get("accounting/journal", use: accountingJournal)
        return routes
    }

    // MARK: - Ledger

    /// AdminGrantRequest `{amount, reason}`: source `admin`, so amount > 0 and ≤ 10,000 credits; a non-empty
    /// `reason` is required here (the audit trail of a manual grant), though the command itself allows none.
    @Sendable func grant(_ request: Request, context: Context) async throws -> Response {
        try await write(
            "grant", request, context, path: ["user_id"],
            extra: [("source", .string(GrantSource.admin.rawValue))] + request.idempotencyMember
        ) { command throws(APIError) in
            guard case .grant(let grant) = command, let reason = grant.reason,
                !reason.allSatisfy({ $0.isWhitespace })
            else { throw APIError.invalid(field: "reason", "An admin grant needs a non-empty \"reason\".") }
        }
    }

    /// `{debit_seq, amount?, reason?}`.
    @Sendable func refund(_ request: Request, context: Context) async throws -> Response {
        try await write("refund", request, context, path: ["user_id"])
    }

    // MARK: - Accounts

    /// `{plan_id}`.
    @Sendable func subscribe(_ request: Request, context: Context) async throws -> Response {
        try await write("subscribe", request, context, path: ["user_id"])
    }

    /// `{value, expires_at?}`.
    @Sendable func setOverride(_ request: Request, context: Context) async throws -> Response {
        try await write("set_override", request, context, path: ["user_id", "entitlement_key"])
    }

    @Sendable func clearOverride(_ request: Request, context: Context) async throws -> Response {
        try await write("clear_override", request, context, path: ["user_id", "entitlement_key"])
    }

    /// `{reason?}`.
    @Sendable func suspend(_ request: Request, context: Context) async throws -> Response {
        try await write("suspend", request, context, path: ["user_id"])
    }

    /// `{reason?}`.
    @Sendable func reinstate(_ request: Request, context: Context) async throws -> Response {
        try await write("reinstate", request, context, path: ["user_id"])
    }

    /// `{single_request_cap?, daily_cap?, session_cap?}`: null clears a cap, an absent one stays.
    @Sendable func setUserLimits(_ request: Request, context: Context) async throws -> Response {
        try await write("set_user_limits", request, context, path: ["user_id"])
    }

    @Sendable func userState(_ request: Request, context: Context) async throws -> Response {
        let userID = try context.parameters.require("user_id")
        return JSONResponse.make(
            status: .ok, body: backend.userState(userID: userID, at: clock.now()), requestID: context.requestID)
    }

    // MARK: - Settings, flags, plans

    @Sendable func settings(_ request: Request, context: Context) async throws -> Response {
        JSONResponse.make(status: .ok, body: backend.settings(), requestID: context.requestID)
    }

    /// `{enforcement_enabled: bool}`: sets the runtime override of `credit_enforcement_enabled`.
    @Sendable func patchSettings(_ request: Request, context: Context) async throws -> Response {
        let body = try await request.jsonBody(context: context)
        let keys = try CommandBody.scan(body)
        guard keys.names == ["enforcement_enabled"], let range = keys.valueRanges.first else {
            throw APIError.invalid(
                field: keys.names.first { $0 != "enforcement_enabled" } ?? "enforcement_enabled",
                "The body must be exactly {\"enforcement_enabled\": true|false}.")
        }
        let value = Array("{\"value\":".utf8) + body[range] + Array("}".utf8)
        let command = try CommandBody.command(
            op: "set_flag", body: value,
            setting: [("flag", .string(Flag.creditEnforcementEnabled.rawValue))] + actor(context))
        return try await writePath.submit(command, context: context)
    }

    /// Clears the runtime override: enforcement follows the config again.
    @Sendable func clearSettings(_ request: Request, context: Context) async throws -> Response {
        let command = try CommandBody.command(
            op: "clear_flag", body: [],
            setting: [("flag", .string(Flag.creditEnforcementEnabled.rawValue))] + actor(context))
        return try await writePath.submit(command, context: context)
    }

    /// `{value}` for the flag named in the path.
    @Sendable func setFlag(_ request: Request, context: Context) async throws -> Response {
        try await write("set_flag", request, context, path: ["flag"])
    }

    @Sendable func clearFlag(_ request: Request, context: Context) async throws -> Response {
        try await write("clear_flag", request, context, path: ["flag"])
    }

    /// The `define_plan` fields but `plan_id` (from the path) and `initiated_by`.
    @Sendable func definePlan(_ request: Request, context: Context) async throws -> Response {
        try await write("define_plan", request, context, path: ["plan_id"])
    }

    // MARK: - History

    /// `?initiated_by=ID[&from=T][&to=T][&limit=N][&order=newest|oldest]`: the records an actor initiated.
    @Sendable func audit(_ request: Request, context: Context) async throws -> Response {
        let parameters = HistoryParameters(request: request)
        try parameters.allowOnly(["initiated_by", "from", "to", "limit", "order"])
        guard let initiatedBy = try parameters.identifier("initiated_by") else {
            throw APIError.invalid(field: "initiated_by", "initiated_by is required")
        }
        let orderText = parameters.string("order") ?? AuditQuery.Order.newest.rawValue
        guard let order = AuditQuery.Order(rawValue: orderText) else {
            throw APIError.invalid(field: "order", "order must be newest or oldest, got \"\(orderText)\"")
        }
        let query = AuditQuery(
            initiatedBy: initiatedBy, from: try parameters.time("from"), to: try parameters.time("to"),
            limit: try parameters.limit(default: AuditQuery.limitDefault, max: 10_000), order: order)
        return JSONResponse.make(status: .ok, body: try await history.audit(query), requestID: context.requestID)
    }

    /// `?at=T&min_active_users=N…`: the enforcement-rollout gates at `at` or the request time, with the criteria
    /// of `tollgate readiness` as optional query parameters (``ReadinessCriteria/thresholdNames``; an absent one
    /// keeps its default, a bad one is 422 naming it); 200 whether or not the gates pass (`ready` says).
    @Sendable func readiness(_ request: Request, context: Context) async throws -> Response {
        let parameters = HistoryParameters(request: request)
        let thresholds = ReadinessCriteria.thresholdNames
        try parameters.allowOnly(Set(["at"] + thresholds.map(\.name)))
        let time = try parameters.time("at") ?? clock.now()
        var criteria = ReadinessCriteria()
        for (name, keyPath) in thresholds {
            guard let text = parameters.string(name) else { continue }
            guard let value = Int64(text) else {
                throw APIError.invalid(field: name, "\(name) must be an integer, got \"\(text)\"")
            }
            if let problem = ReadinessCriteria.problem(keyPath, value: value) {
                throw APIError.invalid(field: name, "\(name) \(problem)")
            }
            criteria[keyPath: keyPath] = value
        }
        let body = try await history.readiness(at: time, criteria: criteria)
        return JSONResponse.make(status: .ok, body: body, requestID: context.requestID)
    }

        /// `?bucket=day[&from=T][&to=T][&user_id=U]`: debits and consumes per UTC day (`to` exclusive).
    @Sendable func usageSummary(_ request: Request, context: Context) async throws -> Response {
        let parameters = HistoryParameters(request: request)
        try parameters.allowOnly(["bucket", "from", "to", "user_id"])
        let bucket = parameters.string("bucket") ?? "day"
        guard bucket == "day" else { throw APIError.invalid(field: "bucket", "bucket must be day, got \"\(bucket)\"") }
        let query = UsageQuery(
            from: try parameters.time("from"), to: try parameters.time("to"),
            userID: try parameters.identifier("user_id"))
        return JSONResponse.make(status: .ok, body: try await history.usage(query), requestID: context.requestID)
    }

    /// `?month=YYYY-MM[&format=csv|json]`: the monthly statement, RFC 4180 CSV by default.
    @Sendable func statement(_ request: Request, context: Context) async throws -> Response {
        let userID = try context.parameters.require("user_id")
        guard HistoryParameters.isIdentifier(userID) else {
            throw APIError.invalid(field: "user_id", "user_id must be 1–128 bytes of [A-Za-z0-9._:@-]")
        }
        let parameters = HistoryParameters(request: request)
        try parameters.allowOnly(["month", "format"])
        guard let monthText = parameters.string("month") else {
            throw APIError.invalid(field: "month", "month is required (YYYY-MM)")
        }
        guard let month = CalendarMonth(monthText) else {
            throw APIError.invalid(field: "month", "month must be YYYY-MM, got \"\(monthText)\"")
        }
        let format = parameters.string("format") ?? "csv"
        guard format == "csv" || format == "json" else {
            throw APIError.invalid(field: "format", "format must be csv or json, got \"\(format)\"")
        }
        let statement = try await history.statement(userID: userID, month: month)
        if format == "json" {
            return JSONResponse.make(status: .ok, body: statement.json, requestID: context.requestID)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8", .requestID: context.requestID,
                .contentDisposition: "attachment; filename=\"statement-\(userID)-\(month.text).csv\"",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: statement.csv)))
    }

    /// `?date=YYYY-MM-DD[&format=csv|json]`: the day's accounting journal lines, RFC 4180 CSV by default.
    @Sendable func accountingJournal(_ request: Request, context: Context) async throws -> Response {
        let parameters = HistoryParameters(request: request)
        try parameters.allowOnly(["date", "format"])
        guard let dateText = parameters.string("date") else {
            throw APIError.invalid(field: "date", "date is required (YYYY-MM-DD)")
        }
        guard let day = CalendarDay(dateText) else {
            throw APIError.invalid(field: "date", "date must be YYYY-MM-DD, got \"\(dateText)\"")
        }
        let format = parameters.string("format") ?? "csv"
        guard format == "csv" || format == "json" else {
            throw APIError.invalid(field: "format", "format must be csv or json, got \"\(format)\"")
        }
        let journal = try await history.journal(day: day)
        if format == "json" {
            return JSONResponse.make(status: .ok, body: journal.json, requestID: context.requestID)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8", .requestID: context.requestID,
                .contentDisposition: "attachment; filename=\"journal-\(day.text).csv\"",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: journal.csv)))
    }

    // MARK: - Shared

    /// Builds `op` from the body plus the named path parameters and the admin as `initiated_by`, and submits it.
    /// `check` adds a rule of the route on top of the command's own grammar.
    private func write(
        _ op: String, _ request: Request, _ context: Context, path names: [String],
        extra: [(String, JSONValue)] = [], check: (Command) throws(APIError) -> Void = { _ in }
    ) async throws -> Response {
        let body = try await request.jsonBody(context: context)
        var members: [(String, JSONValue)] = []
        for name in names { members.append((name, .string(try context.parameters.require(name)))) }
        members += try actor(context)
        members += extra
        let command = try CommandBody.command(op: op, body: body, setting: members)
        try check(command)
        return try await writePath.submit(command, context: context)
    }

    private func actor(_ context: Context) throws(APIError) -> [(String, JSONValue)] {
        [("initiated_by", .string(try context.requirePrincipal().actorID))]
    }
}
