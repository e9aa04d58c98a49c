import CMosquitto
import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
import HookNumbers
#endif

/// The engine behind ``MQTTPublisher``: the queue, the messages awaiting their PUBACK, and the
/// libmosquitto callbacks that move messages between them.
///
/// A separate object from the publisher so that libmosquitto's callbacks can hold it (retained
/// as the handle's user data) while the publisher itself can still be deinitialised, which is
/// what tears the connection down. Every mutable field is in `state`; `mosquitto_publish` is
/// only called with that lock held (see ``MosquittoHandle``), and status callbacks only after
/// it is released.
final class MQTTPublisherCore: Sendable {
    /// Whether messages can go to the broker now.
    enum Connection: Equatable {
        /// Before the first CONNACK.
        case connecting
        case connected
        /// Lost or refused; libmosquitto's thread is reconnecting with backoff.
        case disconnected
    }

    /// Where the publisher is in its life.
    enum Lifecycle: Equatable {
        /// Accepting messages.
        case open
        /// `shutdown` is flushing: no new messages, the waiting ones still go out.
        case closing
        /// Torn down (or tearing down): the handle must not be used.
        case closed
    }

    struct State {
        var connection = Connection.connecting
        var lifecycle = Lifecycle.open
        /// Accepted, not yet handed to libmosquitto.
        var pending: MQTTOutboundQueue
        /// Handed to libmosquitto with QoS ≥ 1, by message id, until the broker acknowledges.
        var inflight: [Int32: MQTTOutboundMessage] = [:]
        var nextSequence: UInt64 = 0
        var overflowCount = 0
        var deliveredCount = 0
        var rejectedCount = 0

        var undeliveredCount: Int { pending.count + inflight.count }
    }

    let handle: MosquittoHandle
    let qos: Int32
    /// The most messages awaiting a PUBACK at once (QoS ≥ 1); the rest wait in the queue.
    let inflightWindow: Int
    let state: Mutex<State>
    let onStatus: @Sendable (MQTTPublisher.Status) -> Void
    /// The thread running `mosquitto_loop_forever`, joined by the teardown.
    private let networkThread = Mutex<pthread_t?>(nil)

    /// The first and longest wait between reconnect attempts, in seconds.
    let minimumDelay: UInt32
    let maximumDelay: UInt32

    /// `host:port`, to say which broker a status is about.
    let brokerAddress: String

    init(handle: MosquittoHandle, brokerAddress: String, qos: Int32, queueSize: Int, maximumQueueBytes: Int, inflightWindow: Int,
         reconnectDelaySeconds: ClosedRange<Int>, onStatus: @escaping @Sendable (MQTTPublisher.Status) -> Void) {
        self.handle = handle
        self.brokerAddress = brokerAddress
        minimumDelay = UInt32(clamping: max(1, reconnectDelaySeconds.lowerBound))
        maximumDelay = UInt32(clamping: max(max(1, reconnectDelaySeconds.lowerBound), reconnectDelaySeconds.upperBound))
        self.qos = qos
        self.inflightWindow = inflightWindow
        self.state = Mutex(State(pending: MQTTOutboundQueue(capacity: queueSize, maximumBytes: maximumQueueBytes)))
        self.onStatus = onStatus
    }

    // MARK: - Callers

    /// Installs the callbacks, starts libmosquitto's network thread and begins connecting.
    ///
    /// A broker that is not there yet is not an error: the thread keeps reconnecting with
    /// backoff and the first failure is reported through `onStatus`.
    /// - Throws: `MQTTError` when libmosquitto rejects the options or cannot start its thread.
    func start(host: String, port: Int, keepAliveSeconds: Int, username: String?, password: String?, tls: MQTTTLS?) throws(MQTTError) {
        let raw = handle.raw
        do {
            if let username {
                try check(mosquitto_username_pw_set(raw, username, password), "set the username")
            }
            if let tls {
                // libmosquitto checks the files exist here; verification of the broker is on by default.
                try check(mosquitto_tls_set(raw, tls.caFile, tls.caFile == nil ? MQTTTLS.systemCertificateDirectory : nil,
                                            tls.certificateFile, tls.keyFile, nil), "set up TLS")
            }
            try check(mosquitto_reconnect_delay_set(raw, minimumDelay, maximumDelay, true), "set the reconnect delay")
            try check(mosquitto_max_inflight_messages_set(raw, UInt32(inflightWindow)), "set the in-flight window")
        } catch {
            state.withLock { $0.lifecycle = .closed }
            mosquitto_destroy(raw)
            throw error
        }

        // Retained for libmosquitto's callbacks; released by the teardown after mosquitto_destroy.
        mosquitto_user_data_set(raw, Unmanaged.passRetained(self).toOpaque())
        mosquitto_connect_callback_set(raw) { _, context, code in
            guard let context else { return }
            Unmanaged<MQTTPublisherCore>.fromOpaque(context).takeUnretainedValue().connected(code: code)
        }
        mosquitto_disconnect_callback_set(raw) { _, context, code in
            guard let context else { return }
            Unmanaged<MQTTPublisherCore>.fromOpaque(context).takeUnretainedValue().disconnected(code: code)
        }
        mosquitto_publish_callback_set(raw) { _, context, mid in
            guard let context else { return }
            Unmanaged<MQTTPublisherCore>.fromOpaque(context).takeUnretainedValue().published(mid: mid)
        }

        // Tells libmosquitto another thread runs its loop: publishes then only queue packets and
        // wake that thread, never write to the socket from the caller.
        mosquitto_threaded_set(raw, true)
        let connect = mosquitto_connect_async(raw, host, Int32(clamping: port), Int32(clamping: keepAliveSeconds))
        if connect != MosquittoLibrary.success {
            state.withLock { $0.connection = .disconnected }
            report([.disconnected(reason: "cannot connect to \(brokerAddress): \(MosquittoLibrary.describe(connect))")])
        }
        // libmosquitto's own thread (mosquitto_loop_start) waits forever when this first attempt
        // fails synchronously (a refused connection: eclipse/mosquitto#1903), so the publisher
        // runs the same loop, mosquitto_loop_forever, on a thread of its own. It retries with
        // the backoff set above until `mosquitto_disconnect`.
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { context in
            guard let context else { return nil }
            Unmanaged<MQTTPublisherCore>.fromOpaque(context).takeUnretainedValue().runNetworkLoop()
            return nil
        }, Unmanaged.passUnretained(self).toOpaque())
        guard created == 0 else {
            state.withLock { $0.lifecycle = .closed }
            mosquitto_destroy(raw)
            Unmanaged.passUnretained(self).release()
            throw MQTTError(message: "cannot start the network thread: \(String(cString: strerror(created)))")
        }
        networkThread.withLock { $0 = thread }
    }

    /// Accepts one message: queues it, dropping the oldest when full (messages or bytes), and
    /// hands what it can to libmosquitto when connected. Never waits for the network.
    func enqueue(topic: String, payload: [UInt8]) throws(MQTTError) {
        let outcome: Result<[MQTTPublisher.Status], MQTTError> = state.withLock { state in
            guard state.lifecycle == .open else {
                return .failure(MQTTError(message: "the publisher is shut down; message to \(topic) not accepted"))
            }
            let message = MQTTOutboundMessage(topic: topic, payload: payload, sequence: state.nextSequence)
            state.nextSequence += 1
            var events: [MQTTPublisher.Status] = []
            let dropped = state.pending.append(message)
            if dropped > 0 {
                state.overflowCount += dropped
                events.append(.overflow(droppedTotal: state.overflowCount))
            }
            events += drain(&state)
            return .success(events)
        }
        switch outcome {
        case .success(let events): report(events)
        case .failure(let error): throw error
        }
    }

    /// Waits (bounded) for the queue to empty, then disconnects and frees the handle, once.
    /// - Returns: the messages that were accepted but not delivered.
    func shutdown(flushTimeout: Duration, teardownTimeout: Duration) async -> Int {
        guard beginClosing() else { return state.withLock { $0.undeliveredCount } }
        let clock = ContinuousClock()
        let deadline = clock.now + flushTimeout
        while state.withLock({ $0.undeliveredCount > 0 }) && clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        let undelivered = state.withLock { state in
            state.lifecycle = .closed
            return state.undeliveredCount
        }
        // Bounded: joining the network thread may wait for its current reconnect delay or a
        // blocking connect to an unreachable host. If that outlasts the timeout it finishes on
        // its own; the core stays alive (retained) until it has.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resume = ResumeOnce(continuation)
            tearDown { resume.resume() }
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(clamping: teardownTimeout / .milliseconds(1)))) {
                resume.resume()
            }
        }
        return undelivered
    }

    /// Drops whatever is queued and tears down without waiting (a publisher released unstopped).
    func shutdownNow() {
        guard beginClosing() else { return }
        state.withLock { $0.lifecycle = .closed }
        tearDown {}
    }

    /// open → closing, once. - Returns: whether this call made the change.
    private func beginClosing() -> Bool {
        state.withLock { state in
            guard state.lifecycle == .open else { return false }
            state.lifecycle = .closing
            return true
        }
    }

    /// Disconnects, joins libmosquitto's thread and frees the handle, off the caller's thread.
    private func tearDown(then done: @escaping @Sendable () -> Void) {
        DispatchQueue.global().async { [self] in
            mosquitto_disconnect(handle.raw)
            // The loop ends once it sees the disconnecting state: after the DISCONNECT is
            // written, or after its current reconnect wait.
            if let thread = networkThread.withLock({ $0 }) { pthread_join(thread, nil) }
            mosquitto_destroy(handle.raw)
            // Balances the retain taken when the handle's user data was set in `start`.
            Unmanaged.passUnretained(self).release()
            done()
        }
    }

    // MARK: - libmosquitto's thread

    /// The network thread's body: libmosquitto's loop, which reconnects by itself. It returns only
    /// after `mosquitto_disconnect` or on an error it deems fatal; in the second case it is
    /// started again after a pause, since giving up would leave events queued for ever.
    func runNetworkLoop() {
        while true {
            let code = mosquitto_loop_forever(handle.raw, -1, 1)
            if state.withLock({ $0.lifecycle == .closed }) { return }
            report([.disconnected(reason: "the network loop for \(brokerAddress) stopped (\(MosquittoLibrary.describe(code))); restarting it")])
            sleep(maximumDelay)
        }
    }

    /// CONNACK arrived: `code` 0 accepts, anything else is the broker's refusal.
    func connected(code: Int32) {
        let events: [MQTTPublisher.Status] = state.withLock { state in
            guard code == 0 else {
                state.connection = .disconnected
                return [.disconnected(reason: "\(brokerAddress) refused the connection: \(String(cString: mosquitto_connack_string(code)))")]
            }
            state.connection = .connected
            return [.connected] + drain(&state)
        }
        report(events)
    }

    /// The connection ended: `code` 0 when we asked for it. Messages awaiting a PUBACK go back to
    /// the front of the queue, in their original order, to be sent again after reconnecting.
    func disconnected(code: Int32) {
        let events: [MQTTPublisher.Status] = state.withLock { state in
            var events: [MQTTPublisher.Status] = []
            // After a refused CONNACK the refusal was already reported and says more.
            if state.connection != .disconnected {
                events.append(.disconnected(reason: code == 0
                    ? "disconnected from \(brokerAddress)" : "connection to \(brokerAddress) lost: \(MosquittoLibrary.describe(code))"))
            }
            state.connection = .disconnected
            let unacknowledged = state.inflight.values.sorted { $0.sequence < $1.sequence }
            state.inflight.removeAll()
            let dropped = state.pending.prepend(unacknowledged)
            if dropped > 0 {
                state.overflowCount += dropped
                events.append(.overflow(droppedTotal: state.overflowCount))
            }
            return events
        }
        report(events)
    }

    /// The broker acknowledged message `mid` (PUBACK for QoS 1, PUBCOMP for QoS 2); for QoS 0,
    /// libmosquitto wrote it to the socket.
    func published(mid: Int32) {
        // QoS 0 messages were counted when handed over; for them this runs inside libmosquitto's
        // packet writer, so it takes no lock at all.
        guard qos > 0 else { return }
        let events: [MQTTPublisher.Status] = state.withLock { state in
            // An id we no longer track is a copy libmosquitto re-sent itself after a reconnect,
            // which we also queued again: one of the acceptable QoS 1 duplicates.
            guard state.inflight.removeValue(forKey: mid) != nil else { return [] }
            state.deliveredCount += 1
            return drain(&state)
        }
        report(events)
    }

    // MARK: - Internals

    /// Hands waiting messages to libmosquitto, oldest first, while connected and within the
    /// in-flight window. Called with the lock held, so message ids are recorded before the
    /// PUBACK callback (which needs the lock) can look for them, and the order holds across threads.
    private func drain(_ state: inout State) -> [MQTTPublisher.Status] {
        var events: [MQTTPublisher.Status] = []
        while state.connection == .connected, state.lifecycle != .closed,
              qos == 0 || state.inflight.count < inflightWindow,
              let message = state.pending.popFirst() {
            var mid: Int32 = 0
            let code = message.payload.withUnsafeBytes { bytes in
                mosquitto_publish(handle.raw, &mid, message.topic, Int32(bytes.count), bytes.baseAddress, qos, false)
            }
            switch code {
            case MosquittoLibrary.success:
                if qos > 0 {
                    state.inflight[mid] = message
                } else {
                    state.deliveredCount += 1
                }
            case Int32(MOSQ_ERR_NO_CONN.rawValue), Int32(MOSQ_ERR_CONN_LOST.rawValue), Int32(MOSQ_ERR_NOMEM.rawValue):
                // The connection went before its callback arrived (or memory is short): keep the
                // message first in line for the next CONNACK. With QoS ≥ 1 libmosquitto may hold
                // a copy too and re-send it: a duplicate, never a loss.
                _ = state.pending.prepend([message])
                state.connection = .disconnected
            default:
                // The message itself is unacceptable (too large for MQTT): retrying cannot help.
                state.rejectedCount += 1
                events.append(.rejected(topic: message.topic, reason: MosquittoLibrary.describe(code)))
            }
        }
        return events
    }

    private func check(_ code: Int32, _ action: String) throws(MQTTError) {
        guard code != MosquittoLibrary.success else { return }
        throw MQTTError(message: "cannot \(action): \(MosquittoLibrary.describe(code))")
    }

    private func report(_ events: [MQTTPublisher.Status]) {
        for event in events { onStatus(event) }
    }
}
