import HookCore

extension ConfigurationLoader {
    /// The seed's `webhooks.alerting.*` keys.
    func readAlerting(_ section: ConfigurationNode, into configuration: inout DaemonConfiguration) throws(ConfigurationError) {
        var settings = configuration.alerting
        for (key, value) in try section.mapping() {
            switch key {
            case "alert_email": configuration.smtp.to = try value.stringList()
            case "pagerduty_key": configuration.pagerDuty.routingKey = try value.string()
            case "enabled": settings.enabled = try value.bool()
            case "window_minutes": settings.windowMinutes = try value.integer(in: 1...1440)
            case "max_codes": settings.maxCodes = try value.integer(in: 1...1_000_000)
            case "failure_rate_threshold": settings.failureRateThreshold = try value.number(in: 0...100)
            case "auth_failure_threshold": settings.authFailureThreshold = try value.integer(in: 1...1_000_000)
            case "latency_threshold_seconds": settings.latencyThresholdSeconds = try value.number(in: 0...3600)
            case "min_calls": settings.minCalls = try value.integer(in: 1...1_000_000)
            case "repeat_interval_minutes": settings.repeatIntervalMinutes = try value.integer(in: 1...10_080)
            case "send_resolved": settings.sendResolved = try value.bool()
            case "history_limit": settings.historyLimit = try value.integer(in: 10...1_000_000)
            case "share_through_redis": settings.shareThroughRedis = try value.bool()
            case "channels":
                let channels = try value.stringList()
                let known = AlertChannelName.allCases.map(\.rawValue)
                for channel in channels where !known.contains(channel) {
                    throw value.error("unknown channel '\(channel)' (expected \(known.joined(separator: ", ")))")
                }
                var unique: [String] = []
                for channel in channels where !unique.contains(channel) { unique.append(channel) }
                settings.channels = unique
            default: throw value.error("unknown key")
            }
        }
        configuration.alerting = settings
    }

    func readStructuredLogging(_ section: ConfigurationNode, into configuration: inout DaemonConfiguration) throws(ConfigurationError) {
        var settings = configuration.structuredLogging
        defer { configuration.structuredLogging = settings }
        for (key, value) in try section.mapping() {
            switch key {
            case "enabled": settings.enabled = try value.bool()
            case "file": settings.file = try value.string()
            case "mask_sensitive": settings.maskSensitive = try value.bool()
            case "extra_masked_headers": settings.extraMaskedHeaders = try value.stringList()
            case "extra_masked_keys": settings.extraMaskedKeys = try value.stringList()
            case "mqtt_enabled": configuration.mqtt.publishLogs = try value.bool()
            case "max_queue_bytes": settings.maxQueueBytes = try value.integer(in: 65_536...(1 << 30))
            default: throw value.error("unknown key")
            }
        }
    }
}

/// The notification channels hookd knows.
public enum AlertChannelName: String, Sendable, CaseIterable {
    case slack, email, pagerduty, mqtt, log
}
