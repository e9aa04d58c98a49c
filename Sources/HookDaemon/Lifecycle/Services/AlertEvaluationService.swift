import HookCore
import ServiceLifecycle

/// Judges the alert rules once a second, so alerts repeat and resolve when no calls arrive.
struct AlertEvaluationService: Service {
    let engine: AlertEngine
    let dispatcher: AlertDispatcher

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: .seconds(1))
                let events = engine.evaluate()
                if !events.isEmpty { dispatcher.submit(events) }
            }
        }
    }
}
