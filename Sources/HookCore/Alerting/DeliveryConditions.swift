/// What the delivery engine reported about one webhook, judged by ``AlertEngine`` beside the
/// window's rules: whether its breaker is open, whether hookd disabled it, and how many of its
/// deliveries went dead in the window.
///
/// Dead deliveries are counted per second, oldest first, and only those in the window are kept,
/// so the memory is bounded by the window's length whatever the rate.
struct DeliveryConditions: Sendable {
    /// The failure rate (percent) the breaker opened at; nil while it is closed.
    var breakerFailureRate: Double?
    /// The breaker's `failure_rate` as last reported, which the resolved notice repeats.
    var breakerThreshold = 0.0
    /// Why hookd disabled the webhook; nil while it is enabled.
    var disabledReason: WebhookDisableReason?
    /// The dead deliveries in the window, per second, oldest first.
    private var dead: [DeadSecond] = []
    /// The sum of `dead`'s counts.
    private(set) var deadInWindow = 0

    private struct DeadSecond: Sendable {
        var second: Int64
        var count: Int
    }

    /// Nothing to judge: the breaker is closed, the webhook enabled and no dead delivery in the window.
    var isClear: Bool { breakerFailureRate == nil && disabledReason == nil && deadInWindow == 0 }

    /// Counts a delivery that went dead at `second` (the newest second seen, or later).
    mutating func recordDead(at second: Int64) {
        if let last = dead.last, last.second >= second {
            dead[dead.count - 1].count += 1
        } else {
            dead.append(DeadSecond(second: second, count: 1))
        }
        deadInWindow += 1
    }

    /// Forgets the dead deliveries older than the window of `seconds` ending at `second`.
    mutating func dropDead(outsideWindowOf seconds: Int, endingAt second: Int64) {
        let oldestKept = second - Int64(seconds) + 1
        var expired = 0
        while expired < dead.count && dead[expired].second < oldestKept {
            deadInWindow -= dead[expired].count
            expired += 1
        }
        if expired > 0 { dead.removeFirst(expired) }
    }
}

extension DeliveryConditions {
    /// Takes in one reported change; `second` dates a dead delivery.
    mutating func apply(_ change: DeliveryAlertChange, at second: Int64) {
        switch change {
        case .breakerOpened(_, let failureRate, let threshold):
            breakerFailureRate = failureRate
            breakerThreshold = threshold
        case .breakerClosed:
            breakerFailureRate = nil
        case .webhookDisabled(_, let reason):
            disabledReason = reason
        case .webhookEnabled:
            disabledReason = nil
        case .deliveryDead:
            recordDead(at: second)
        }
    }
}
