import HookCore
import HookHTTP
import HookJSON
import HookMQTT
import HookRedis
import HookStore
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Alerting as the daemon runs it: the engine, the channels, the structured log the `log`
/// channel writes to, and the timer that judges the rules when no calls arrive.
final class AlertSubsystem: Sendable {
    /// Counts every recorded call (metrics); nil when nobody counts.
    let metrics: DaemonMetrics?
    let engine: AlertEngine
    let dispatcher: AlertDispatcher
    let settings: AlertingSettings
    /// The webhook request/response/alert log (JSON Lines), when structured logging is on.
    let structuredLog: JSONLinesFile?
    /// The MQTT publisher, when `mqtt.enabled`: alerts (channel `mqtt`) and, with
    /// `structured_logging.mqtt_enabled`, the request/response lines.
    let mqtt: MQTTPublisher?
    let mqttTopicPrefix: String
    let publishLogsToMQTT: Bool
    /// Counts and notification claims shared with other hookd processes, when Redis is enabled.
    let shared: SharedAlertCounts?
    private let http: HTTPClient
    /// Which 401/403 reports may invalidate a credential (per webhook and in all).
    private let invalidations: InvalidationLimiter
    /// At most one credential invalidation per webhook in this many seconds, however many 401s arrive.
    static let invalidationSpacingSeconds = 5.0

    init(configuration: DaemonConfiguration, directories: DaemonDirectories, health: HealthBoard, logger: Logger,
         metrics: DaemonMetrics? = nil) throws {
        self.metrics = metrics
        settings = configuration.alerting
        invalidations = InvalidationLimiter(spacingSeconds: Self.invalidationSpacingSeconds,
                                            perSecond: Double(configuration.credentialInvalidationsPerSecond),
                                            now: SystemClock.monotonicSeconds)
        http = HTTPClient(configuration: .init(maxResponseBytes: configuration.http.maxResponseBytes))
        let logging = configuration.structuredLogging
        structuredLog = logging.enabled
            ? try JSONLinesFile(path: logging.file ?? "\(directories.logs)/webhooks.jsonl", maximumUnwrittenBytes: logging.maxQueueBytes,
                                onStatus: LogFileHealth.reporter(for: "structured_log", on: health))
            : nil
        let host = Self.hostName()
        engine = AlertEngine(settings: settings, host: host, now: SystemClock.wallSeconds)
        if configuration.redis.enabled && settings.shareThroughRedis {
            let counter = RedisAlertCounter(endpoint: configuration.redis.endpoint, keyPrefix: configuration.redis.keyPrefix,
                                            instance: "\(host)/\(getpid())", windowSeconds: settings.windowSeconds)
            shared = SharedAlertCounts(counter: counter, engine: engine, health: health, logger: logger)
        } else {
            shared = nil
        }
        let mqttSettings = configuration.mqtt
        mqttTopicPrefix = mqttSettings.topicPrefix
        publishLogsToMQTT = mqttSettings.enabled && mqttSettings.publishLogs
        if mqttSettings.enabled {
            health.report("mqtt", .degraded, detail: "connecting to \(mqttSettings.host):\(mqttSettings.port)")
            mqtt = try MQTTPublisher(
                host: mqttSettings.host, port: mqttSettings.port, clientID: mqttSettings.clientID, username: mqttSettings.username,
                password: mqttSettings.password,
                tls: mqttSettings.tls ? MQTTTLS(caFile: mqttSettings.caFile, certificateFile: mqttSettings.certificateFile, keyFile: mqttSettings.keyFile) : nil,
                qos: mqttSettings.qos, queueSize: mqttSettings.queueSize, maximumQueueBytes: mqttSettings.maxQueueBytes
            ) { status in
                switch status {
                case .connected: health.report("mqtt", .ok, detail: "\(mqttSettings.host):\(mqttSettings.port)")
                case .disconnected(let reason): health.report("mqtt", .degraded, detail: "disconnected: \(reason); queueing")
                case .overflow(let dropped): health.report("mqtt", .degraded, detail: "queue full: \(dropped) messages dropped so far")
                case .rejected(let topic, let reason): logger.error("mqtt rejected a message", metadata: ["topic": "\(topic)", "reason": "\(reason)"])
                }
            }
        } else {
            mqtt = nil
        }
        var channels: [AlertChannel] = []
        // What each listed channel lacks is said once, by the configuration (`--check-config` uses it too).
        let unavailable = configuration.unconfiguredChannels
        for name in settings.channels {
            switch AlertChannelName(rawValue: name) {
            case .log?:
                channels.append(LogAlertChannel(file: structuredLog, logger: logger))
            case .slack?:
                guard let url = configuration.slack.webhookURL else { continue }
                channels.append(SlackAlertChannel(webhookURL: url, timeoutSeconds: configuration.slack.timeoutSeconds, http: http))
            case .pagerduty?:
                let pagerDuty = configuration.pagerDuty
                guard let key = pagerDuty.routingKey else { continue }
                channels.append(PagerDutyAlertChannel(routingKey: key, eventsURL: pagerDuty.eventsURL, timeoutSeconds: pagerDuty.timeoutSeconds, http: http))
            case .email?:
                let smtp = configuration.smtp
                guard smtp.url != nil, smtp.from != nil, !smtp.to.isEmpty else { continue }
                channels.append(EmailAlertChannel(settings: smtp))
            case .mqtt?:
                guard let mqtt else { continue }
                channels.append(MQTTAlertChannel(publisher: mqtt, topicPrefix: mqttSettings.topicPrefix))
            case nil:
                continue
            }
        }
        var claim: (@Sendable (AlertEvent) async -> Bool)? = nil
        if let shared {
            let claimHold = settings.repeatIntervalMinutes * 60
            claim = { event in await shared.claim(event, holdSeconds: claimHold) }
        }
        var notified: (@Sendable (String, Bool, Double) -> Void)? = nil
        if let metrics {
            notified = { channel, sent, seconds in metrics.notified(channel: channel, sent: sent, seconds: seconds) }
        }
        dispatcher = AlertDispatcher(channels: channels, logger: logger, claim: claim, notified: notified)
        if unavailable.isEmpty {
            health.report("alerting", .ok, detail: "channels: \(channels.map(\.name).joined(separator: ", "))")
        } else {
            // Said loudly rather than dropped silently: these channels are listed but cannot work.
            let detail = "channels not configured: \(unavailable.joined(separator: "; "))"
            health.report("alerting", .degraded, detail: detail)
            logger.error("alerting: \(detail)")
        }
    }

    /// Gives the engine every registered webhook's own thresholds (`alerting` in the registry).
    func loadOverrides(from registry: WebhookRegistry, logger: Logger) async {
        do throws(StoreError) {
            for webhook in try await registry.list(direction: nil) where !webhook.alerting.isEmpty {
                engine.setOverrides(webhook.alerting, for: webhook.key)
            }
        } catch {
            logger.error("alerting: cannot read per-webhook thresholds from the registry: \(error.description)")
        }
    }

    /// The parts that run on threads of their own, in the order they start; they stop in reverse,
    /// so the log writer and MQTT outlive everything that may still write to them.
    var services: [any StoppableService] {
        let parts: [(any StoppableService)?] = [structuredLog, mqtt, shared, http]
        return parts.compactMap { $0 }
    }

    /// Sends alert events to the configured channels off the caller's path, as `alert.record`'s
    /// are (silenced ones stay in history only; with shared alerting, one hookd sends each).
    func send(_ events: [AlertEvent]) {
        if !events.isEmpty { dispatcher.submit(events) }
    }

    /// Records one call outcome as `alert.record` does: in the window, in the counts shared
    /// through Redis, and the alerts it caused sent. Returns what the engine made of it.
    @discardableResult
    func record(_ call: CallRecord) -> AlertEngine.Outcome {
        metrics?.record(call)
        let outcome = engine.record(call)
        if outcome.counted { shared?.note(call, at: outcome.callTime) }
        send(outcome.events)
        return outcome
    }

    /// Judges a change in a webhook's deliveries (breaker, disable, a dead delivery) and sends the
    /// alerts it caused.
    func note(_ change: DeliveryAlertChange) {
        send(engine.apply(change))
    }

    /// Whether a 401/403 for this webhook should drop its cached credential now.
    func shouldInvalidate(_ key: WebhookKey) -> Bool { invalidations.admit(key) }

    func reopenLogs() { structuredLog?.reopen() }

    /// Queues a structured log line (built off the caller's thread when there is a file) for the
    /// file and, when configured, for MQTT `topic` (under the prefix).
    func emit(topic: String, _ render: @escaping @Sendable () -> JSONValue) {
        let publisher = publishLogsToMQTT ? mqtt : nil
        let fullTopic = mqttTopicPrefix + topic
        guard let structuredLog else {
            if let publisher { try? publisher.publish(topic: fullTopic, payload: render().encoded()) }
            return
        }
        structuredLog.append {
            let line = render()
            if let publisher { try? publisher.publish(topic: fullTopic, payload: line.encoded()) }
            return line
        }
    }

    /// Stops every part (for callers that run no `ServiceGroup`, such as tests).
    func shutdown() async {
        for part in services.reversed() { await part.stop() }
    }

    private static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
