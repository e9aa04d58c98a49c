import HookCore

/// How a log file's troubles show on `system.health`: degraded with the reason while lines do not
/// reach the disk (and how many were dropped), ok again once they do.
enum LogFileHealth {
    static func reporter(for component: String, on health: HealthBoard) -> @Sendable (JSONLinesFile.Status) -> Void {
        health.report(component, .ok)
        return { status in
            switch status {
            case .writing:
                health.report(component, .ok)
            case .failing(let reason, let waitingBytes, let droppedLines):
                var detail = reason
                if waitingBytes > 0 { detail += "; \(waitingBytes) bytes waiting" }
                if droppedLines > 0 { detail += "; \(droppedLines) lines dropped" }
                health.report(component, .degraded, detail: detail)
            }
        }
    }
}
