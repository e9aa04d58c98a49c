import HookCore
import HookJSON
import HookRPC
import NIOCore

/// `alert.record` (the hot path) and the alert queries and controls.
enum AlertMethods {
    static func register(into table: inout MethodTable, alerts: AlertSubsystem, credentials: CredentialService,
                         invalidateOnAuthFailure: Bool, configuration: DaemonConfiguration) {
        let engine = alerts.engine
        let dispatcher = alerts.dispatcher

        // Answered on the event loop: O(1) window update; notifications leave on tasks of their own.
        table.registerDirect(MethodName.alertRecord) { params, _, output throws(RPCError) in
            let call = try callRecord(params)
            let outcome = alerts.record(call)  // a refused call is neither counted nor alerted
            if outcome.refusedNewCode {
                let limit = engine.settings.maxCodes
                throw RPCError(.overloaded, "too many webhook codes tracked (limit \(limit)); quiet codes are let go after the window",
                               details: ["reason": "too_many_codes", "limit": .integer(Int64(limit))])
            }
            let events = outcome.events
            if call.isAuthFailure && invalidateOnAuthFailure, let key = try? WebhookKey(code: call.webhookCode, direction: call.direction),
               alerts.shouldInvalidate(key) {
                // A refused credential was most likely rotated: fetch it afresh next time, on every host.
                credentials.dropLocal(code: key.code, direction: key.direction)
                Task { await credentials.invalidate(code: key.code, direction: key.direction) }
            }
            output.writeJSON(expectedBytes: 64) { writer in
                writer.append(outcome.counted ? #"{"recorded":true,"fired":["# : #"{"recorded":false,"fired":["#)
                var first = true
                for event in events where event.kind == .firing {
                    guard let type = event.type else { continue }
                    if !first { writer.append(",") }
                    JSONValue.string(type.rawValue).encode(into: &writer)
                    first = false
                }
                writer.append("]}")
            }
            return .written
        }

        table.register(MethodName.alertMetrics) { params, _ throws(RPCError) in
            let code = try optionalCode(params)
            guard let code else {
                return .value(["webhooks": .array(engine.allMetrics().map(\.json))])
            }
            let metrics = engine.metrics(for: code) ?? .empty(webhookCode: code, windowMinutes: engine.settings.windowMinutes)
            return .value(metrics.json)
        }

        table.register(MethodName.alertList) { _, _ in
            .value(["alerts": .array(engine.activeAlerts().map { alert in
                [
                    "webhook_code": .string(alert.webhookCode), "alert_type": .string(alert.type.rawValue),
                    "severity": .string(alert.type.severity.rawValue), "value": .double(alert.value),
                    "first_fired_at": .string(ISO8601.format(alert.firstFiredAt)),
                    "last_notified_at": .string(ISO8601.format(alert.lastNotifiedAt)),
                    "silenced_until": alert.silencedUntil.map { .string(ISO8601.format($0)) } ?? .null,
                ]
            })])
        }

        table.register(MethodName.alertHistory) { params, _ throws(RPCError) in
            let code = try optionalCode(params)
            let limit: Int64
            do throws(JSONAccessError) {
                limit = try params.optionalInteger("limit") ?? 100
            } catch {
                throw .invalidParams(error)
            }
            guard (1...1000).contains(limit) else { throw .invalidParams(JSONAccessError(key: "limit", problem: .invalid(reason: "must be from 1 to 1000"))) }
            return .value(["events": .array(engine.history(webhookCode: code, limit: Int(limit)).map { event in
                guard case .object(var object) = event.json else { return event.json }
                var deliveries = JSONObject()
                for (channel, outcome) in dispatcher.outcome(of: event.id).sorted(by: { $0.key < $1.key }) { deliveries[channel] = .string(outcome) }
                object["deliveries"] = .object(deliveries)
                return .object(object)
            })])
        }

        table.register(MethodName.alertSilence) { params, _ throws(RPCError) in
            let code = try requiredCode(params)
            let type = try alertType(params)
            let minutes: Double
            let reason: String
            do throws(JSONAccessError) {
                guard let value = try params.optionalDouble("minutes") else { throw JSONAccessError(key: "minutes", problem: .missing) }
                minutes = value
                reason = try params.optionalString("reason") ?? ""
            } catch {
                throw .invalidParams(error)
            }
            guard minutes > 0 && minutes <= 10_080 else {
                throw .invalidParams(JSONAccessError(key: "minutes", problem: .invalid(reason: "must be more than 0 and at most 10080 (a week)")))
            }
            let until = SystemClock.wallSeconds() + minutes * 60
            engine.silence(webhookCode: code, type: type, until: until, reason: reason)
            return .value(["webhook_code": .string(code), "alert_type": type.map { .string($0.rawValue) } ?? .null,
                           "until": .string(ISO8601.format(until)), "reason": .string(reason)])
        }

        table.register(MethodName.alertUnsilence) { params, _ throws(RPCError) in
            let code = try requiredCode(params)
            return .value(["removed": .integer(Int64(engine.unsilence(webhookCode: code, type: try alertType(params))))])
        }

        table.register(MethodName.alertConfig) { _, _ in
            let settings = engine.settings
            return .value([
                "enabled": .bool(settings.enabled), "window_minutes": .integer(Int64(settings.windowMinutes)),
                "failure_rate_threshold": .double(settings.failureRateThreshold), "min_calls": .integer(Int64(settings.minCalls)),
                "auth_failure_threshold": .integer(Int64(settings.authFailureThreshold)),
                "latency_threshold_seconds": .double(settings.latencyThresholdSeconds),
                "repeat_interval_minutes": .integer(Int64(settings.repeatIntervalMinutes)), "send_resolved": .bool(settings.sendResolved),
                "history_limit": .integer(Int64(settings.historyLimit)),
                "share_through_redis": .bool(settings.shareThroughRedis), "shared": .bool(alerts.shared != nil),
                "channels": .array(settings.channels.map(JSONValue.string)),
                "active_channels": .array(dispatcher.channelNames.map(JSONValue.string)),
                "invalidate_on_auth_failure": .bool(invalidateOnAuthFailure),
                "slack": ["webhook_url": masked(configuration.slack.webhookURL), "timeout_seconds": .double(configuration.slack.timeoutSeconds)],
                "pagerduty": ["routing_key": masked(configuration.pagerDuty.routingKey), "events_url": .string(Masker().maskURL(configuration.pagerDuty.eventsURL))],
                "smtp": [
                    "url": configuration.smtp.url.map { .string(Masker().maskURL($0)) } ?? .null, "from": configuration.smtp.from.map(JSONValue.string) ?? .null,
                    "to": .array(configuration.smtp.to.map(JSONValue.string)),
                    "username": configuration.smtp.username.map(JSONValue.string) ?? .null, "password": masked(configuration.smtp.password),
                    "require_tls": .bool(configuration.smtp.requireTLS),
                ],
                "mqtt": [
                    "enabled": .bool(configuration.mqtt.enabled), "host": .string(configuration.mqtt.host), "port": .integer(Int64(configuration.mqtt.port)),
                    "username": configuration.mqtt.username.map(JSONValue.string) ?? .null, "password": masked(configuration.mqtt.password),
                    "topic_prefix": .string(configuration.mqtt.topicPrefix), "publish_logs": .bool(configuration.mqtt.publishLogs),
                ],
            ])
        }

        table.register(MethodName.alertTest) { params, _ throws(RPCError) in
            let code = try requiredCode(params)
            let severity: AlertSeverity
            let channels: [String]?
            do throws(JSONAccessError) {
                let text = try params.optionalString("severity") ?? AlertSeverity.warning.rawValue
                guard let parsed = AlertSeverity(rawValue: text) else {
                    throw JSONAccessError(key: "severity", problem: .invalid(reason: "must be info, warning, error or critical"))
                }
                severity = parsed
                channels = try params.optionalArray("channels").map { values throws(JSONAccessError) in
                    try values.map { value throws(JSONAccessError) in
                        guard let name = value.stringValue else { throw JSONAccessError(key: "channels", problem: .wrongType(expected: "strings", found: value.typeName)) }
                        return name
                    }
                }
            } catch {
                throw .invalidParams(error)
            }
            return .later {
                let event = engine.testEvent(webhookCode: code, severity: severity)
                let results = await dispatcher.test(event, channelNames: channels)
                return ["webhook_code": .string(code), "severity": .string(severity.rawValue), "results": .object(results)]
            }
        }
    }

    /// A secret setting as `alert.config` shows it: whether it is set, never its value.
    private static func masked(_ secret: String?) -> JSONValue {
        secret == nil ? .null : .string(Masker.mask)
    }

    /// `alert.record`'s params; every refusal names the parameter.
    static func callRecord(_ params: JSONObject) throws(RPCError) -> CallRecord {
        do throws(JSONAccessError) {
            let code = try params.string("webhook_code")
            guard WebhookKey.isValidCode(code) else {
                throw JSONAccessError(key: "webhook_code", problem: .invalid(reason: "must be 1 to 64 characters of A-Z, 0-9 and _"))
            }
            guard let success = try params.optionalBool("success") else { throw JSONAccessError(key: "success", problem: .missing) }
            guard let duration = try params.optionalDouble("duration") else { throw JSONAccessError(key: "duration", problem: .missing) }
            guard duration >= 0 && duration.isFinite else { throw JSONAccessError(key: "duration", problem: .invalid(reason: "must be zero or more seconds")) }
            let status = try params.optionalInteger("status_code")
            if let status, !(100...599).contains(status) {
                throw JSONAccessError(key: "status_code", problem: .invalid(reason: "must be an HTTP status from 100 to 599"))
            }
            _ = try params.optionalString("error")
            let direction = try params.direction() ?? .outbound
            let now = SystemClock.wallSeconds()
            let timestamp = try params.optionalDouble("timestamp") ?? now
            guard timestamp.isFinite, timestamp > now - 86_400 * 7, timestamp < now + 3_600 else {
                throw JSONAccessError(key: "timestamp", problem: .invalid(reason: "must be seconds since 1970, within the last week and at most an hour ahead"))
            }
            return CallRecord(webhookCode: code, direction: direction, success: success, duration: duration,
                              statusCode: status.map { Int($0) }, timestamp: timestamp)
        } catch {
            throw .invalidParams(error)
        }
    }

    private static func optionalCode(_ params: JSONObject) throws(RPCError) -> String? {
        do throws(JSONAccessError) {
            return try params.optionalCode("webhook_code")
        } catch {
            throw .invalidParams(error)
        }
    }

    private static func requiredCode(_ params: JSONObject) throws(RPCError) -> String {
        guard let code = try optionalCode(params) else { throw .invalidParams(JSONAccessError(key: "webhook_code", problem: .missing)) }
        return code
    }

    private static func alertType(_ params: JSONObject) throws(RPCError) -> AlertType? {
        do throws(JSONAccessError) {
            guard let text = try params.optionalString("alert_type") else { return nil }
            guard let type = AlertType(rawValue: text) else {
                throw JSONAccessError(key: "alert_type", problem: .invalid(reason: "must be one of \(AlertType.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
            return type
        } catch {
            throw .invalidParams(error)
        }
    }
}
