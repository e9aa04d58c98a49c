import HookJSON
import Synchronization

/// The state of one part hookd depends on.
public enum ComponentStatus: String, Sendable, Comparable {
    case ok, degraded, down

    private var severity: Int {
        switch self {
        case .ok: 0
        case .degraded: 1
        case .down: 2
        }
    }

    public static func < (lhs: ComponentStatus, rhs: ComponentStatus) -> Bool { lhs.severity < rhs.severity }
}

/// Where each component (store, redis, infisical, …) reports its state, for `system.health`.
///
/// Components report as things happen (a failed call, a recovery); health only reads.
public final class HealthBoard: Sendable {
    public struct Report: Sendable, Equatable {
        public var status: ComponentStatus
        public var detail: String?
    }

    private let reports = Mutex<[String: Report]>([:])

    public init() {}

    public func report(_ component: String, _ status: ComponentStatus, detail: String? = nil) {
        reports.withLock { $0[component] = Report(status: status, detail: detail) }
    }

    public func remove(_ component: String) {
        reports.withLock { _ = $0.removeValue(forKey: component) }
    }

    public func status(of component: String) -> Report? { reports.withLock { $0[component] } }

    /// The worst component status: hookd itself answers, so it is never worse than degraded.
    public var overall: ComponentStatus {
        let worst = reports.withLock { $0.values.map(\.status).max() } ?? .ok
        return worst == .ok ? .ok : .degraded
    }

    /// `{name: {status, detail?}}` in name order.
    public var json: JSONValue {
        let snapshot = reports.withLock { $0 }
        var object = JSONObject()
        for name in snapshot.keys.sorted() {
            guard let report = snapshot[name] else { continue }
            var entry: JSONObject = ["status": .string(report.status.rawValue)]
            if let detail = report.detail { entry["detail"] = .string(detail) }
            object[name] = .object(entry)
        }
        return .object(object)
    }
}
