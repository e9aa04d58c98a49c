extension DaemonConfiguration {
    /// Each listed alert channel that cannot work with these settings, with what it lacks
    /// (`slack (slack.webhook_url is not set)`): said by `--check-config`, logged at start and
    /// shown on `system.health`'s `alerting`, rather than dropped silently.
    public var unconfiguredChannels: [String] {
        alerting.channels.compactMap { name in
            switch AlertChannelName(rawValue: name) {
            case .log?: nil
            case .slack?: slack.webhookURL == nil ? "slack (slack.webhook_url is not set)" : nil
            case .pagerduty?: pagerDuty.routingKey == nil ? "pagerduty (pagerduty.routing_key is not set)" : nil
            case .email?:
                smtp.url == nil || smtp.from == nil || smtp.to.isEmpty
                    ? "email (smtp.url, smtp.from and recipients in smtp.to or webhooks.alerting.alert_email are needed)" : nil
            case .mqtt?: mqtt.enabled ? nil : "mqtt (mqtt.enabled is false)"
            case nil: name
            }
        }
    }

    /// What start-up will do or miss that a reader of the file should know; not errors.
    public var startWarnings: [String] {
        var warnings: [String] = []
        if redis.enabled && redis.encryptionKey == nil {
            warnings.append("""
                redis.encryption_key is not set: hookd uses the key in <state_dir>/redis-encryption.key, creating it at \
                first start; every hookd sharing this Redis must use the same key (copy that file, or set \
                redis.encryption_key_file)
                """)
        }
        if !unconfiguredChannels.isEmpty {
            warnings.append("webhooks.alerting.channels lists channels that are not configured: \(unconfiguredChannels.joined(separator: "; "))")
        }
        if mqtt.publishLogs && !mqtt.enabled {
            warnings.append("structured_logging.mqtt_enabled is true but mqtt.enabled is false: log lines are not published")
        }
        return warnings
    }
}

/// `hookd --check-config`'s finding: the first problem, or what the file sets up that deserves a look.
public struct ConfigurationCheck: Sendable {
    public var problem: ConfigurationError?
    public var warnings: [String]
}
