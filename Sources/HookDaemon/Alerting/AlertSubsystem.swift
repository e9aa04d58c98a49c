import HookCore
import Logging
import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Alerting as the daemon runs it: the engine, the channels, the structured log the `log`
/// channel writes to, and the timer that judges the rules when no calls arrive.
final class AlertSubsystem: Sendable {
    let engine: AlertEngine
    let dispatcher: AlertDispatcher
    let settings: AlertingSettings
    /// The webhook request/response/alert log (JSON Lines), when structured logging is on.
    let structuredLog: JSONLinesFile?
    private let invalidations = Mutex<[String: Double]>([:])
    /// At most one credential invalidation per webhook in this many seconds, however many 401s arrive.
    static let invalidationSpacingSeconds = 5.0

    init(configuration: DaemonConfiguration, directories: DaemonDirectories, health: HealthBoard, logger: Logger) throws {
        settings = configuration.alerting
        let logging = configuration.structuredLogging
        structuredLog = logging.enabled ? try JSONLinesFile(path: logging.file ?? "\(directories.logs)/webhooks.log") : nil
        engine = AlertEngine(settings: settings, host: Self.hostName(), now: SystemClock.wallSeconds)
        var channels: [AlertChannel] = []
        var unavailable: [String] = []
        for name in settings.channels {
            switch AlertChannelName(rawValue: name) {
            case .log?: channels.append(LogAlertChannel(file: structuredLog, logger: logger))
            default: unavailable.append(name)
            }
        }
        dispatcher = AlertDispatcher(channels: channels, logger: logger)
        if unavailable.isEmpty {
            health.report("alerting", .ok, detail: "channels: \(channels.map(\.name).joined(separator: ", "))")
        } else {
            // Said loudly rather than dropped silently: these channels are configured but not built yet.
            let detail = "channels not available in this version: \(unavailable.joined(separator: ", "))"
            health.report("alerting", .degraded, detail: detail)
            logger.error("alerting: \(detail)")
        }
    }

    /// Judges the rules every second, so alerts repeat and resolve without new calls.
    func startTimer(on eventLoop: EventLoop) -> RepeatedTask {
        eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { [engine, dispatcher] _ in
            let events = engine.evaluate()
            if !events.isEmpty { dispatcher.submit(events) }
        }
    }

    /// Whether a 401/403 for this webhook should drop its cached credential now.
    func shouldInvalidate(_ key: WebhookKey) -> Bool {
        let now = SystemClock.monotonicSeconds()
        return invalidations.withLock { last in
            if let previous = last[key.description], now - previous < Self.invalidationSpacingSeconds { return false }
            last[key.description] = now
            return true
        }
    }

    func reopenLogs() { structuredLog?.reopen() }

    func shutdown() { structuredLog?.close() }

    private static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
