import HookCore
import Synchronization

/// Callers of `webhook.deliver` with `wait: first_attempt` or `final`, parked until their
/// delivery's first attempt ends or it becomes final (or their timeout passes).
final class DeliveryWaiters: Sendable {
    /// What a waiter waits for.
    enum Goal: Sendable {
        case firstAttempt
        case final
    }

    /// What a waiter is woken with: the delivery as it then stands, and the attempt that ended
    /// (nil when the timeout passed first).
    struct Wakeup: Sendable {
        var record: DeliveryRecord?
        var attempt: DeliveryAttempt?
        var timedOut: Bool
    }

    private struct Waiter {
        var number: Int
        var goal: Goal
        var continuation: CheckedContinuation<Wakeup, Never>
    }

    private struct State {
        var waiters: [DeliveryRecord.ID: [Waiter]] = [:]
        var nextNumber = 0
        /// The latest wake-up of recent deliveries, so that a caller who starts waiting just
        /// after its delivery's attempt ended is answered at once rather than at its timeout.
        var recent: [DeliveryRecord.ID: Wakeup] = [:]
        var recentOrder: [DeliveryRecord.ID] = []
    }

    /// Recent wake-ups kept for late waiters.
    private static let recentLimit = 4096

    private let state = Mutex(State())

    /// Parks until `id` reaches `goal`, or `timeout` seconds pass.
    func wait(for id: DeliveryRecord.ID, goal: Goal, timeout: Double) async -> Wakeup {
        await withCheckedContinuation { continuation in
            let number = state.withLock { state -> Int? in
                if let wakeup = state.recent[id], Self.satisfies(goal, wakeup) {
                    continuation.resume(returning: wakeup)
                    return nil
                }
                state.nextNumber += 1
                state.waiters[id, default: []].append(Waiter(number: state.nextNumber, goal: goal, continuation: continuation))
                return state.nextNumber
            }
            guard let number else { return }
            Task { [weak self] in
                try? await Task.sleep(for: .seconds(max(timeout, 0)))
                self?.expire(id, number)
            }
        }
    }

    /// An attempt of `record` ended: wakes its first-attempt waiters, and its final waiters when
    /// `record` is final.
    func attemptEnded(_ record: DeliveryRecord, attempt: DeliveryAttempt) {
        wake(record.id, Wakeup(record: record, attempt: attempt, timedOut: false)) { waiter in
            waiter.goal == .firstAttempt || record.status.isFinal
        }
    }

    /// `record` became final without an attempt (cancelled): wakes every waiter.
    func finished(_ record: DeliveryRecord) {
        wake(record.id, Wakeup(record: record, attempt: nil, timedOut: false)) { _ in true }
    }

    private static func satisfies(_ goal: Goal, _ wakeup: Wakeup) -> Bool {
        goal == .firstAttempt ? wakeup.attempt != nil || wakeup.record?.status.isFinal == true : wakeup.record?.status.isFinal == true
    }

    private func wake(_ id: DeliveryRecord.ID, _ wakeup: Wakeup, _ chosen: (Waiter) -> Bool) {
        let woken = state.withLock { state -> [Waiter] in
            if state.recent.updateValue(wakeup, forKey: id) == nil {
                state.recentOrder.append(id)
                if state.recentOrder.count > Self.recentLimit {
                    state.recent[state.recentOrder.removeFirst()] = nil
                }
            }
            guard let waiters = state.waiters[id] else { return [] }
            let (woken, staying) = (waiters.filter(chosen), waiters.filter { !chosen($0) })
            state.waiters[id] = staying.isEmpty ? nil : staying
            return woken
        }
        for waiter in woken { waiter.continuation.resume(returning: wakeup) }
    }

    private func expire(_ id: DeliveryRecord.ID, _ number: Int) {
        let waiter = state.withLock { state -> Waiter? in
            guard var waiters = state.waiters[id], let index = waiters.firstIndex(where: { $0.number == number }) else { return nil }
            let waiter = waiters.remove(at: index)
            state.waiters[id] = waiters.isEmpty ? nil : waiters
            return waiter
        }
        waiter?.continuation.resume(returning: Wakeup(record: nil, attempt: nil, timedOut: true))
    }
}
