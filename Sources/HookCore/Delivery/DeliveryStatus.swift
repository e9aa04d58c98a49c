/// Where a delivery stands. The raw values are the wire and storage names.
///
/// `queued` → `in_flight` → `delivered` | `retrying` | `dead`; `retrying` → `in_flight` again;
/// any waiting or in-flight delivery may become `cancelled`. The last three are final: nothing
/// moves a delivery out of them (a replay is a new delivery).
public enum DeliveryStatus: String, Sendable, CaseIterable, Hashable {
    /// Waiting for its first attempt (or put back after a crash), due at `nextAttemptAt`.
    case queued
    /// Claimed by a worker; an attempt is being made now.
    case inFlight = "in_flight"
    /// At least one attempt failed; the next is due at `nextAttemptAt`.
    case retrying
    /// The receiver accepted it.
    case delivered
    /// Given up: the receiver rejected it, or the schedule ran out (`deadReason` says which).
    case dead
    /// An operator cancelled it before it was delivered or given up.
    case cancelled

    /// Whether nothing will ever happen to the delivery again (and it no longer counts against
    /// `max_queued`).
    public var isFinal: Bool {
        switch self {
        case .delivered, .dead, .cancelled: true
        case .queued, .inFlight, .retrying: false
        }
    }

    /// Whether a worker may claim the delivery once it is due.
    public var isWaiting: Bool {
        switch self {
        case .queued, .retrying: true
        case .inFlight, .delivered, .dead, .cancelled: false
        }
    }
}
