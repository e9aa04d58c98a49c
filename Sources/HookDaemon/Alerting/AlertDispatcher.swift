import HookCore
import HookJSON
import Logging
import Synchronization
import HookNumbers

/// Sends alert events to the configured channels, off the caller's path: each delivery is a task
/// of its own, retried with backoff (honouring a channel's Retry-After), so a dead or slow
/// channel never delays `alert.record`. Outcomes are kept per event for `alert.history`.
final class AlertDispatcher: Sendable {
    private let channels: [AlertChannel]
    /// Told of each notification attempt: its channel, whether it was sent, how long it took.
    private let notified: (@Sendable (_ channel: String, _ sent: Bool, _ seconds: Double) -> Void)?
    private let logger: Logger
    private let outcomes = Mutex<[Int: [String: String]]>([:])
    /// Asks whether this process sends an event's notifications (several hookd share one Redis);
    /// nil: always. The log channel writes regardless: it is this process's own record.
    private let claim: (@Sendable (AlertEvent) async -> Bool)?
    /// Delivery attempts per event and channel, the first included.
    static let maximumAttempts = 5
    private static let keptOutcomes = 1000

    init(channels: [AlertChannel], logger: Logger, claim: (@Sendable (AlertEvent) async -> Bool)? = nil,
         notified: (@Sendable (_ channel: String, _ sent: Bool, _ seconds: Double) -> Void)? = nil) {
        self.notified = notified
        self.channels = channels
        self.logger = logger
        self.claim = claim
    }

    var channelNames: [String] { channels.map(\.name) }

    /// Queues the events' notifications; returns at once.
    func submit(_ events: [AlertEvent]) {
        for event in events where !event.silenced {
            guard let claim else {
                for channel in channels { Task { await self.deliver(event, through: channel) } }
                continue
            }
            Task {
                let local = channels.filter { $0.name == AlertChannelName.log.rawValue }
                let shared = channels.filter { $0.name != AlertChannelName.log.rawValue }
                for channel in local { Task { await self.deliver(event, through: channel) } }
                guard !shared.isEmpty else { return }
                guard await claim(event) else {
                    for channel in shared { record(event.id, channel.name, "sent by another hookd sharing the Redis") }
                    return
                }
                for channel in shared { Task { await self.deliver(event, through: channel) } }
            }
        }
    }

    /// Sends a test event through the named channels (all when nil) and reports each outcome.
    func test(_ event: AlertEvent, channelNames: [String]?) async -> JSONObject {
        var results = JSONObject()
        for channel in channels where channelNames == nil || channelNames?.contains(channel.name) == true {
            do throws(ChannelFailure) {
                try await channel.deliver(event)
                results[channel.name] = ["success": true]
                record(event.id, channel.name, "delivered")
            } catch {
                results[channel.name] = ["success": false, "error": .string(error.message)]
                record(event.id, channel.name, "failed: \(error.message)")
            }
        }
        for name in channelNames ?? [] where results[name] == nil {
            results[name] = ["success": false, "error": .string("channel '\(name)' is not configured")]
        }
        return results
    }

    /// What happened to an event's notifications: channel → "delivered" or the last failure.
    func outcome(of eventID: Int) -> [String: String] { outcomes.withLock { $0[eventID] ?? [:] } }

    private func deliver(_ event: AlertEvent, through channel: AlertChannel) async {
        var delay = 1.0
        for attempt in 1...Self.maximumAttempts {
            let started = SystemClock.monotonicSeconds()
            do throws(ChannelFailure) {
                try await channel.deliver(event)
                notified?(channel.name, true, SystemClock.monotonicSeconds() - started)
                record(event.id, channel.name, "delivered")
                return
            } catch {
                notified?(channel.name, false, SystemClock.monotonicSeconds() - started)
                record(event.id, channel.name, "failed (attempt \(attempt)): \(error.message)")
                logger.warning("alert channel failed", metadata: [
                    "channel": "\(channel.name)", "attempt": "\(attempt)", "error": "\(error.message)",
                ])
                guard !error.permanent, attempt < Self.maximumAttempts else { return }
                // Clamped: a channel's Retry-After must not park a task for days (or trap the conversion).
                let wait = min(max(error.retryAfterSeconds ?? delay, 0), 3600)
                try? await Task.sleep(for: .milliseconds(Int64(clamping: wait * 1000)))
                delay = min(delay * 2, 60)
            }
        }
    }

    private func record(_ eventID: Int, _ channel: String, _ outcome: String) {
        outcomes.withLock { outcomes in
            outcomes[eventID, default: [:]][channel] = outcome
            if outcomes.count > Self.keptOutcomes, let oldest = outcomes.keys.min() { outcomes[oldest] = nil }
        }
    }
}
