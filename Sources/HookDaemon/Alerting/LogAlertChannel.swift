import HookCore
import Logging

/// The `log` channel: a `webhook_alert` line in the structured log, and a line in hookd's own log.
struct LogAlertChannel: AlertChannel {
    let name = AlertChannelName.log.rawValue
    let file: JSONLinesFile?
    let logger: Logger

    func deliver(_ event: AlertEvent) async throws(ChannelFailure) {
        file?.append(event.json)
        let level: Logger.Level = event.kind == .resolved ? .notice : (event.severity == .critical ? .critical : .warning)
        logger.log(level: level, "\(event.message)", metadata: [
            "webhook_code": "\(event.webhookCode)", "alert_type": "\(event.type?.rawValue ?? "test")", "state": "\(event.state)",
        ])
    }
}
