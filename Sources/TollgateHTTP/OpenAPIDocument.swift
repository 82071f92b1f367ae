/// The OpenAPI 3.1 description of the API, served at `GET /openapi.yaml`.
///
/// Kept true by `OpenAPIDocumentTests`: every route of the router is in it with its method, and nothing else is.
/// Operations list the role they need in `x-tollgate-role`.
enum OpenAPIDocument {
    static let yaml = #"""
        openapi: 3.1.0
        info:
          title: Tollgate
          version: 1.0.0
          description: |
            Credit and entitlement billing. Amounts are strings with exactly three decimals in output and a JSON number
            or string in input (exact, whole millicredits). Write routes return the command's result
            (status, seq, code, http_status and the rule's fields) once it is durable. Errors are
            {code, message, correlation_id, ...}. See docs/http-api.md.
        servers:
          - url: http://127.0.0.1:8080
        components:
          securitySchemes:
            bearer:
              type: http
              scheme: bearer
            apiKeyHeader:
              type: apiKey
              in: header
              name: X-API-Key
          parameters:
            UserID:
              name: user_id
              in: path
              required: true
              schema: {type: string, pattern: '^[A-Za-z0-9._:@-]{1,128}$'}
            EntitlementKey:
              name: entitlement_key
              in: path
              required: true
              schema: {type: string, pattern: '^[A-Za-z0-9._:@-]{1,128}$'}
            IdempotencyKey:
              name: Idempotency-Key
              in: header
              required: false
              schema: {type: string, pattern: '^[A-Za-z0-9._:@-]{1,128}$'}
            RequestID:
              name: X-Request-ID
              in: header
              required: false
              schema: {type: string}
          schemas:
            Amount:
              oneOf:
                - {type: string, pattern: '^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$'}
                - {type: number}
            Error:
              type: object
              required: [code, message, correlation_id]
              properties:
                code: {type: string}
                message: {type: string}
                correlation_id: {type: string}
                field: {type: string}
                status: {type: string, enum: [rejected, invalid]}
                seq: {type: integer}
                http_status: {type: integer}
            Result:
              type: object
              required: [status, seq, code, http_status]
              properties:
                status: {type: string, enum: [applied, duplicate]}
                seq: {type: integer}
                code: {type: string}
                http_status: {type: integer}
              additionalProperties: true
            Object:
              type: object
              additionalProperties: true
          responses:
            Result:
              description: The durable result of the command.
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/Result'}
            Read:
              description: The projection read.
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/Object'}
            Error:
              description: '{code, message, correlation_id}; a refused decision keeps its result fields.'
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/Error'}
          requestBodies:
            Object:
              required: false
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/Object'}
        security:
          - bearer: []
          - apiKeyHeader: []
        paths:
          /healthz:
            get:
              x-tollgate-role: public
              security: []
              summary: The process serves requests.
              responses:
                '200': {$ref: '#/components/responses/Read'}
          /readyz:
            get:
              x-tollgate-role: public
              security: []
              summary: The log is open and writable.
              responses:
                '200': {$ref: '#/components/responses/Read'}
                '503': {$ref: '#/components/responses/Error'}
          /openapi.yaml:
            get:
              x-tollgate-role: public
              security: []
              summary: This document.
              responses:
                '200':
                  description: OpenAPI 3.1 YAML.
                  content:
                    application/yaml: {}
          /metrics:
            get:
              x-tollgate-role: public
              security: []
              summary: Prometheus text exposition (decisions by op/status/code, blocked, warned, commit and request latency).
              responses:
                '200':
                  description: Prometheus text format 0.0.4.
                  content:
                    text/plain: {}
          /api/enforcement/policy:
            get:
              x-tollgate-role: public
              security: [{}, {bearer: []}, {apiKeyHeader: []}]
              summary: >-
                Without a key, the effective enforcement setting and default plan thresholds. With a user key, that
                user's SDK policy at the request time - {userId, state, evaluatedAt, graceEndsAt, triggeredMetrics,
                effectivePolicy} (effectivePolicy is the plan's module_rules while DEGRADED, {} otherwise).
              responses:
                '200': {$ref: '#/components/responses/Read'}
                '401': {$ref: '#/components/responses/Error'}
          /api/subscription/enforcement:
            get:
              x-tollgate-role: user
              summary: >-
                The key's user's enforcement for a dashboard banner at the request time - {userId, state, planId,
                evaluatedAt, banner, triggeredMetrics, graceStartedAt, graceEndsAt, graceRemainingSeconds,
                activeDegradations}.
              responses:
                '200': {$ref: '#/components/responses/Read'}
                '401': {$ref: '#/components/responses/Error'}
                '403': {$ref: '#/components/responses/Error'}
          /api/v1/webhooks/payments:
            post:
              x-tollgate-role: public
              security: []
              summary: >-
                Payment provider webhook (checkout.session.completed, payment_intent.succeeded, charge.refunded),
                authenticated by its Stripe-Signature header (HMAC-SHA256 of "t.body" with the shared secret,
                timestamp within the tolerance). Stored before it is applied; a redelivered event id is a duplicate.
                Other event types are acknowledged as ignored. See docs/purchases.md.
              parameters:
                - {name: Stripe-Signature, in: header, required: true, schema: {type: string}}
              requestBody:
                required: true
                content:
                  application/json:
                    schema: {$ref: '#/components/schemas/Object'}
              responses:
                '200': {$ref: '#/components/responses/Result'}
                '400': {$ref: '#/components/responses/Error'}
                '413': {$ref: '#/components/responses/Error'}
                '415': {$ref: '#/components/responses/Error'}
                '503': {$ref: '#/components/responses/Error'}
          /api/v1/debits:
            post:
              x-tollgate-role: service
              summary: Debit a user (debit command).
              parameters:
                - {$ref: '#/components/parameters/IdempotencyKey'}
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      required: [user_id, amount]
                      additionalProperties: false
                      properties:
                        user_id: {type: string}
                        amount: {$ref: '#/components/schemas/Amount'}
                        session_id: {type: string}
                        request_id: {type: string}
                        idempotency_key: {type: string}
              responses:
                '200': {$ref: '#/components/responses/Result'}
                '400': {$ref: '#/components/responses/Error'}
                '401': {$ref: '#/components/responses/Error'}
                '402': {$ref: '#/components/responses/Error'}
                '403': {$ref: '#/components/responses/Error'}
                '409': {$ref: '#/components/responses/Error'}
                '413': {$ref: '#/components/responses/Error'}
                '415': {$ref: '#/components/responses/Error'}
                '422': {$ref: '#/components/responses/Error'}
                '429': {$ref: '#/components/responses/Error'}
                '503': {$ref: '#/components/responses/Error'}
          /api/v1/entitlements/consume:
            post:
              x-tollgate-role: service
              summary: Consume an entitlement (consume command).
              parameters:
                - {$ref: '#/components/parameters/IdempotencyKey'}
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      required: [user_id, entitlement_key]
                      additionalProperties: false
                      properties:
                        user_id: {type: string}
                        entitlement_key: {type: string}
                        quantity: {type: integer, minimum: 1}
                        idempotency_key: {type: string}
              responses:
                '200': {$ref: '#/components/responses/Result'}
                '400': {$ref: '#/components/responses/Error'}
                '401': {$ref: '#/components/responses/Error'}
                '403': {$ref: '#/components/responses/Error'}
                '409': {$ref: '#/components/responses/Error'}
                '413': {$ref: '#/components/responses/Error'}
                '415': {$ref: '#/components/responses/Error'}
                '422': {$ref: '#/components/responses/Error'}
                '503': {$ref: '#/components/responses/Error'}
          /api/v1/users/me/balance:
            get:
              x-tollgate-role: user
              summary: The key's user's balance.
              responses:
                '200': {$ref: '#/components/responses/Read'}
                '401': {$ref: '#/components/responses/Error'}
                '403': {$ref: '#/components/responses/Error'}
          /api/v1/users/me/enforcement:
            get:
              x-tollgate-role: user
              summary: >-
                The key's user's enforcement state now, with usage per entitlement - {user_id, state,
                grace_started_at, grace_ends_at, plan_id, suspended, usage: [{entitlement_key, usage_key, limit,
                used, effective_limit, override_applied, override_expires_at, grace_remaining}], module_policy}.
              responses:
                '200': {$ref: '#/components/responses/Read'}
                '401': {$ref: '#/components/responses/Error'}
                '403': {$ref: '#/components/responses/Error'}
          /api/v1/users/me/transactions:
            get:
              x-tollgate-role: user
              summary: The key's user's credit transactions, newest first (initiated_by, balance_after).
              parameters:
                - {name: limit, in: query, required: false, schema: {type: integer, minimum: 1, maximum: 1000}}
                - name: before_seq
                  in: query
                  required: false
                  description: The next_before_seq of the previous page.
                  schema: {type: integer, minimum: 1}
              responses:
                '200': {$ref: '#/components/responses/Read'}
                '401': {$ref: '#/components/responses/Error'}
                '403': {$ref: '#/components/responses/Error'}
                '422': {$ref: '#/components/responses/Error'}
                '503': {$ref: '#/components/responses/Error'}
          /api/v1/admin/audit:
            get:
              x-tollgate-role: admin
              summary: Records an actor initiated.
              parameters:
                - {name: initiated_by, in: query, required: true, schema: {type: string}}
                - {name: from, in: query, required: false, schema: {type: string, format: date-time}}
                - {name: to, in: query, required: false, schema: {type: string, format: date-time}}
                - {name: limit, in: query, required: false, schema: {type: integer, minimum: 1, maximum: 10000}}
                - {name: order, in: query, required: false, schema: {type: string, enum: [newest, oldest]}}
              responses:
                '200': {$ref: '#/components/responses/Read'}
                '401': {$ref: '#/components/responses/Error'}
                '403': {$ref: '#/components/responses/Error'}
                '422': {$ref: '#/components/responses/Error'}
                '503': {$ref: '#/components/responses/Error'}
          /api/v1/admin/usage/summary:
            get:
              x-tollgate-role: admin
              summary: Debits and consumes per UTC day.
              parameters:
                - {name: bucket, in: query, required: false, schema: {type: string, enum: [day]}}
                - {name: from, in: query, required: false, schema: {type: string, format: date-time}}
                - {name: to, in: query, required: false, schema: {type: string, format: date-time}}
                - {name: user_id, in: query, required: false, schema: {type: string}}
              responses:
                '200': {$ref: '#/components/responses/Read'}
                '401': {$ref: '#/components/responses/Error'}
                '403': {$ref: '#/components/responses/Error'}
                '422': {$ref: '#/components/responses/Error'}
                '503': {$ref: '#/components/responses/Error'}
          /api/v1/admin/webhooks:
            get:
              x-tollgate-role: admin
              summary: Stored payment events, oldest first (dead=true: only dead letters).
              parameters:
                - {name: dead, in: query, required: false, schema: {type: boolean}}
                - {name: limit, in: query, required: false, schema: {type: integer, minimum: 1, maximum: 10000}}
              responses:
                '200': {$ref: '#/components/responses/Read'}
                '401': {$ref: '#/components/responses/Error'}
                '403': {$ref: '#/components/responses/Error'}
                '422': {$ref: '#/components/responses/Error'}
          /api/v1/admin/webhooks/{event_id}/replay:
            post:
              x-tollgate-role: admin
              summary: One more attempt at a pending or dead-lettered payment event, initiated by the admin.
              parameters:
                - {name: event_id, in: path, required: true, schema: {type: string}}
              responses:
                '200': {$ref: '#/components/responses/Result'}
                '401': {$ref: '#/components/responses/Error'}
                '403': {$ref: '#/components/responses/Error'}
                '404': {$ref: '#/components/responses/Error'}
                '422': {$ref: '#/components/responses/Error'}
                '503': {$ref: '#/components/responses/Error'}
          /api/v1/admin/users/{user_id}/statement:
            get:
              x-tollgate-role: admin
              summary: Monthly statement (RFC 4180 CSV, or JSON with format=json).
              parameters:
                - {$ref: '#/components/parameters/UserID'}
                - {name: month, in: query, required: true, schema: {type: string, pattern: '^[0-9]{4}-[0-9]{2}$'}}
                - {name: format, in: query, required: false, schema: {type: string, enum: [csv, json]}}
              responses:
                '200':
                  description: The statement.
                  content:
                    text/csv: {}
                    application/json:
                      schema: {$ref: '#/components/schemas/Object'}
                '401': {$ref: '#/components/responses/Error'}
                '403': {$ref: '#/components/responses/Error'}
                '422': {$ref: '#/components/responses/Error'}
                '503': {$ref: '#/components/responses/Error'}
          /api/v1/admin/accounting/journal:
            get:
              x-tollgate-role: admin
              summary: One UTC day of the accounting journal (RFC 4180 CSV, or JSON with format=json).
              parameters:
                - {name: date, in: query, required: true, schema: {type: string, pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'}}
                - {name: format, in: query, required: false, schema: {type: string, enum: [csv, json]}}
              responses:
                '200':
                  description: The day's journal lines.
                  content:
                    text/csv: {}
                    application/json:
                      schema: {$ref: '#/components/schemas/Object'}
                '401': {$ref: '#/components/responses/Error'}
                '403': {$ref: '#/components/responses/Error'}
                '422': {$ref: '#/components/responses/Error'}
                '503': {$ref: '#/components/responses/Error'}
          /api/v1/admin/users/{user_id}/credits:
            post:
              x-tollgate-role: admin
              summary: AdminGrantRequest (grant, source admin; amount > 0 and <= 10,000 credits).
              parameters:
                - {$ref: '#/components/parameters/UserID'}
                - {$ref: '#/components/parameters/IdempotencyKey'}
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      required: [amount, reason]
                      additionalProperties: false
                      properties:
                        amount: {$ref: '#/components/schemas/Amount'}
                        reason: {type: string, minLength: 1}
                        idempotency_key: {type: string}
              responses:
                '200': {$ref: '#/components/responses/Result'}
                '400': {$ref: '#/components/responses/Error'}
                '401': {$ref: '#/components/responses/Error'}
                '403': {$ref: '#/components/responses/Error'}
                '409': {$ref: '#/components/responses/Error'}
                '413': {$ref: '#/components/responses/Error'}
                '415': {$ref: '#/components/responses/Error'}
                '422': {$ref: '#/components/responses/Error'}
                '503': {$ref: '#/components/responses/Error'}
          /api/v1/admin/users/{user_id}/refunds:
            post:
              x-tollgate-role: admin
              summary: Refund (part of) a charged debit.
              parameters:
                - {$ref: '#/components/parameters/UserID'}
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      required: [debit_seq]
                      additionalProperties: false
                      properties:
                        debit_seq: {type: integer}
                        amount: {$ref: '#/components/schemas/Amount'}
                        reason: {type: string}
              responses:
                '200': {$ref: '#/components/responses/Result'}
                '400': {$ref: '#/components/responses/Error'}
                '401': {$ref: '#/components/responses/Error'}
                '403': {$ref: '#/components/responses/Error'}
                '413': {$ref: '#/components/responses/Error'}
                '415': {$ref: '#/components/responses/Error'}
                '422': {$ref: '#/components/responses/Error'}
                '503': {$ref: '#/components/responses/Error'}
          /api/v1/admin/users/{user_id}/state:
            get:
              x-tollgate-role: admin
              summary: A user's balance, enforcement state, plan, suspension and transitions.
              parameters:
                - {$ref: '#/components/parameters/UserID'}
              responses:
                '200': {$ref: '#/components/responses/Read'}
                '401': {$ref: '#/components/responses/Error'}
                '403': {$ref: '#/components/responses/Error'}
                '422': {$ref: '#/components/responses/Error'}
          /api/v1/admin/users/{user_id}/subscription:
            put:
              x-tollgate-role: admin
              summary: Subscribe the user to a plan.
              parameters:
                - {$ref: '#/components/parameters/UserID'}
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      required: [plan_id]
                      additionalProperties: false
                      properties:
                        plan_id: {type: string}
              responses:
                '200': {$ref: '#/components/responses/Result'}
                '400': {$ref: '#/components/responses/Error'}
                '401': {$ref: '#/components/responses/Error'}
                '403': {$ref: '#/components/responses/Error'}
                '413': {$ref: '#/components/responses/Error'}
                '415': {$ref: '#/components/responses/Error'}
                '422': {$ref: '#/components/responses/Error'}
                '503': {$ref: '#/components/responses/Error'}
          /api/v1/admin/users/{user_id}/overrides/{entitlement_key}:
            put:
              x-tollgate-role: admin
              summary: Set an entitlement override (value -1 unlimited or >= 0, optional expires_at).
              parameters:
                - {$ref: '#/components/parameters/UserID'}
                - {$ref: '#/components/parameters/EntitlementKey'}
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      required: [value]
                      additionalProperties: false
                      properties:
                        value: {type: integer, minimum: -1}
                        expires_at: {type: string, format: date-time}
              responses:
                '200': {$ref: '#/components/responses/Result'}
                '400': {$ref: '#/components/responses/Error'}
                '401': {$ref: '#/components/responses/Error'}
                '403': {$ref: '#/components/responses/Error'}
                '413': {$ref: '#/components/responses/Error'}
                '415': {$ref: '#/components/responses/Error'}
                '422': {$ref: '#/components/responses/Error'}
                '503': {$ref: '#/components/responses/Error'}
            delete:
              x-tollgate-role: admin
              summary: Clear an entitlement override.
              parameters:
                - {$ref: '#/components/parameters/UserID'}
                - {$ref: '#/components/parameters/EntitlementKey'}
              responses:
                '200': {$ref: '#/components/responses/Result'}
                '401': {$ref: '#/components/responses/Error'}
                '403': {$ref: '#/components/responses/Error'}
                '422': {$ref: '#/components/responses/Error'}
                '503': {$ref: '#/components/responses/Error'}
          /api/v1/admin/users/{user_id}/suspend:
            post:
              x-tollgate-role: admin
              summary: Suspend the account (blocks debits and consumes).
              parameters:
                - {$ref: '#/components/parameters/UserID'}
              requestBody: {$ref: '#/components/requestBodies/Object'}
              responses:
                '200': {$ref: '#/components/responses/Result'}
                '400': {$ref: '#/components/responses/Error'}
                '401': {$ref: '#/components/responses/Error'}
                '403': {$ref: '#/components/responses/Error'}
                '413': {$ref: '#/components/responses/Error'}
                '415': {$ref: '#/components/responses/Error'}
                '422': {$ref: '#/components/responses/Error'}
                '503': {$ref: '#/components/responses/Error'}
          /api/v1/admin/users/{user_id}/reinstate:
            post:
              x-tollgate-role: admin
              summary: Reinstate the account.
              parameters:
                - {$ref: '#/components/parameters/UserID'}
              requestBody: {$ref: '#/components/requestBodies/Object'}
              responses:
                '200': {$ref: '#/components/responses/Result'}
                '400': {$ref: '#/components/responses/Error'}
                '401': {$ref: '#/components/responses/Error'}
                '403': {$ref: '#/components/responses/Error'}
                '413': {$ref: '#/components/responses/Error'}
                '415': {$ref: '#/components/responses/Error'}
                '422': {$ref: '#/components/responses/Error'}
                '503': {$ref: '#/components/responses/Error'}
          /api/v1/admin/users/{user_id}/limits:
            patch:
              x-tollgate-role: admin
              summary: Per-user caps (null clears a cap, an absent one stays).
              parameters:
                - {$ref: '#/components/parameters/UserID'}
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      additionalProperties: false
                      properties:
                        single_request_cap: {oneOf: [{$ref: '#/components/schemas/Amount'}, {type: 'null'}]}
                        daily_cap: {oneOf: [{$ref: '#/components/schemas/Amount'}, {type: 'null'}]}
                        session_cap: {oneOf: [{$ref: '#/components/schemas/Amount'}, {type: 'null'}]}
              responses:
                '200': {$ref: '#/components/responses/Result'}
                '400': {$ref: '#/components/responses/Error'}
                '401': {$ref: '#/components/responses/Error'}
                '403': {$ref: '#/components/responses/Error'}
                '413': {$ref: '#/components/responses/Error'}
                '415': {$ref: '#/components/responses/Error'}
                '422': {$ref: '#/components/responses/Error'}
                '503': {$ref: '#/components/responses/Error'}
          /api/v1/admin/settings:
            get:
              x-tollgate-role: admin
              summary: '{enforcement_enabled, enforcement_source}'
              responses:
                '200': {$ref: '#/components/responses/Read'}
                '401': {$ref: '#/components/responses/Error'}
                '403': {$ref: '#/components/responses/Error'}
            patch:
              x-tollgate-role: admin
              summary: Set the runtime override of credit_enforcement_enabled.
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      required: [enforcement_enabled]
                      additionalProperties: false
                      properties:
                        enforcement_enabled: {type: boolean}
              responses:
                '200': {$ref: '#/components/responses/Result'}
                '400': {$ref: '#/components/responses/Error'}
                '401': {$ref: '#/components/responses/Error'}
                '403': {$ref: '#/components/responses/Error'}
                '413': {$ref: '#/components/responses/Error'}
                '415': {$ref: '#/components/responses/Error'}
                '422': {$ref: '#/components/responses/Error'}
                '503': {$ref: '#/components/responses/Error'}
            delete:
              x-tollgate-role: admin
              summary: Clear the runtime override; enforcement follows the config.
              responses:
                '200': {$ref: '#/components/responses/Result'}
                '401': {$ref: '#/components/responses/Error'}
                '403': {$ref: '#/components/responses/Error'}
                '503': {$ref: '#/components/responses/Error'}
          /api/v1/admin/enforcement/readiness:
            get:
              x-tollgate-role: admin
              summary: >-
                The enforcement-rollout gates computed from the log - {at, ready, gates: [{name, pass, value,
                required, ...}]}; the criteria of tollgate readiness are optional query parameters (absent = the
                default); see docs/enforcement-rollout.md.
              parameters:
                - {name: at, in: query, required: false, schema: {type: string, format: date-time}}
                - {name: min_active_users, in: query, required: false, schema: {type: integer, minimum: 0}}
                - {name: min_events_per_day, in: query, required: false, schema: {type: integer, minimum: 0}}
                - {name: min_consecutive_days, in: query, required: false, schema: {type: integer, minimum: 0, maximum: 365}}
                - {name: min_observation_days, in: query, required: false, schema: {type: integer, minimum: 0}}
                - {name: min_purchases, in: query, required: false, schema: {type: integer, minimum: 0}}
                - {name: max_rejected_pct, in: query, required: false, schema: {type: integer, minimum: 0}}
              responses:
                '200': {$ref: '#/components/responses/Read'}
                '401': {$ref: '#/components/responses/Error'}
                '403': {$ref: '#/components/responses/Error'}
                '422': {$ref: '#/components/responses/Error'}
                '503': {$ref: '#/components/responses/Error'}
          /api/v1/admin/settings/enforcement:
            delete:
              x-tollgate-role: admin
              summary: The rollback path - clear the runtime override (same as DELETE /api/v1/admin/settings).
              responses:
                '200': {$ref: '#/components/responses/Result'}
                '401': {$ref: '#/components/responses/Error'}
                '403': {$ref: '#/components/responses/Error'}
                '503': {$ref: '#/components/responses/Error'}
          /api/v1/admin/flags/{flag}:
            put:
              x-tollgate-role: admin
              summary: Set a global flag.
              parameters:
                - name: flag
                  in: path
                  required: true
                  schema:
                    type: string
                    enum: [credit_enforcement_enabled, shadow_billing_enabled, billing_charging_enabled,
                      billing_rollout_percentage, billing_allowlist, low_balance_threshold, single_request_cap, daily_cap,
                      session_cap, anomaly_circuit_breaker_enabled]
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      required: [value]
                      additionalProperties: false
                      properties:
                        value: {}
              responses:
                '200': {$ref: '#/components/responses/Result'}
                '400': {$ref: '#/components/responses/Error'}
                '401': {$ref: '#/components/responses/Error'}
                '403': {$ref: '#/components/responses/Error'}
                '413': {$ref: '#/components/responses/Error'}
                '415': {$ref: '#/components/responses/Error'}
                '422': {$ref: '#/components/responses/Error'}
                '503': {$ref: '#/components/responses/Error'}
            delete:
              x-tollgate-role: admin
              summary: Return a flag to its default.
              parameters:
                - name: flag
                  in: path
                  required: true
                  schema: {type: string}
              responses:
                '200': {$ref: '#/components/responses/Result'}
                '401': {$ref: '#/components/responses/Error'}
                '403': {$ref: '#/components/responses/Error'}
                '422': {$ref: '#/components/responses/Error'}
                '503': {$ref: '#/components/responses/Error'}
          /api/v1/admin/plans/{plan_id}:
            put:
              x-tollgate-role: admin
              summary: Define or replace a plan (define_plan fields except plan_id and initiated_by).
              parameters:
                - name: plan_id
                  in: path
                  required: true
                  schema: {type: string, pattern: '^[A-Za-z0-9._:@-]{1,128}$'}
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      additionalProperties: false
                      properties:
                        entitlements: {type: object, additionalProperties: {type: integer, minimum: -1}}
                        usage_keys: {type: object, additionalProperties: {type: string}}
                        enforcement_enabled: {type: boolean}
                        enforcement_grace_count: {type: integer, minimum: 0}
                        thresholds:
                          type: object
                          additionalProperties: false
                          properties:
                            warn_pct: {type: integer, minimum: 0}
                            hard_pct: {type: integer, minimum: 0}
                            grace_hours: {type: integer, minimum: 0}
                            overage_buffer_pct: {type: integer, minimum: 0}
                        module_rules: {type: object}
              responses:
                '200': {$ref: '#/components/responses/Result'}
                '400': {$ref: '#/components/responses/Error'}
                '401': {$ref: '#/components/responses/Error'}
                '403': {$ref: '#/components/responses/Error'}
                '413': {$ref: '#/components/responses/Error'}
                '415': {$ref: '#/components/responses/Error'}
                '422': {$ref: '#/components/responses/Error'}
                '503': {$ref: '#/components/responses/Error'}
        """#
}
