import HookCore
import HookJSON
import HookRPC
import NIOCore

/// Told of every call hookd answered: its method, whether it succeeded, how long it took.
protocol RPCObserver: Sendable {
    func answered(method: String, ok: Bool, seconds: Double)
    /// A connection refused before it was served (`connection_limit`, `per_uid_limit`).
    func refused(reason: String)
}

/// Turns one input line into its reply: access control, method lookup, params, and the JSON-RPC
/// 2.0 rules for notifications and batches.
///
/// It knows nothing of sockets, so the protocol rules are tested without one. Replies are written
/// straight into the caller's outgoing buffer, each a complete line with its newline; a method
/// answered now costs no buffer of its own. When any part of the line runs deferred, that part's
/// reply comes later through `completion`, encoded by the one task that ran it.
public struct RPCDispatcher: Sendable {
    /// The outcome of dispatching one line.
    public enum Outcome: Sendable, Equatable {
        /// Everything owed for the line is in the output (possibly nothing: notifications only).
        case done
        /// `calls` deferred methods are running (one, or a batch's); `completion` will be called
        /// exactly once, when all have finished.
        case pending(calls: Int)
    }

    /// Receives a deferred reply line (newline included), or nil when nothing is owed, and how
    /// many calls it finished (what `.pending` announced).
    public typealias Completion = @Sendable (_ reply: ByteBuffer?, _ calls: Int) -> Void

    public let methods: MethodTable
    private let allocator = ByteBufferAllocator()
    /// Told of every answered call (metrics); nil: nobody counts.
    let observer: (any RPCObserver)?

    public init(methods: MethodTable) {
        self.methods = methods
        observer = nil
    }

    init(methods: MethodTable, observer: (any RPCObserver)?) {
        self.methods = methods
        self.observer = observer
    }

    /// Dispatches one line's calls.
    /// - Parameters:
    ///   - line: the line's bytes, without its newline; read only during this call.
    ///   - policy: the ACL in force for this call.
    ///   - maxBatch: the most calls one batch may hold (`hookd.limits.max_batch`).
    ///   - output: where immediate replies are appended.
    ///   - completion: receives the reply when the outcome is `.pending`; may run on any thread.
    public func dispatch(
        line: UnsafeRawBufferPointer, context: CallContext, policy: AccessPolicy, maxBatch: Int = .max,
        into output: inout ByteBuffer, completion: @escaping Completion
    ) -> Outcome {
        guard policy.grantsAnything(to: context.peer) else {
            // Not even whether a method exists or a call is well formed: the same refusal for all.
            let denied = RPCError(.permissionDenied, "permission denied: uid \(context.peer.userID) has no grant")
            refuse(line: line, error: denied, maxBatch: maxBatch, includingMalformed: true, into: &output)
            return .done
        }
        switch RPCIncoming.decode(line: line, maxBatch: maxBatch) {
        case .empty:
            return .done
        case .single(let call):
            let start = output.writerIndex
            switch run(call, line: line, context: context, policy: policy, into: &output) {
            case .answered:
                if output.writerIndex > start { output.writeInteger(UInt8(ascii: "\n")) }
                return .done
            case .running(let pending):
                Task {
                    var reply = allocator.buffer(capacity: 256)
                    guard await pending.finish(into: &reply) else { return completion(nil, 1) }
                    reply.writeInteger(UInt8(ascii: "\n"))
                    completion(reply, 1)
                }
                return .pending(calls: 1)
            }
        case .batch(let calls):
            return dispatchBatch(calls, line: line, context: context, policy: policy, into: &output, completion: completion)
        }
    }

    /// The replies owed for a line hookd will not run: every request gets `error`, notifications
    /// nothing, and malformed input its own error, or `error` too with `includingMalformed`.
    public func refuse(
        line: UnsafeRawBufferPointer, error: RPCError, maxBatch: Int = .max, includingMalformed: Bool = false,
        into output: inout ByteBuffer
    ) {
        func response(_ call: RPCCall) -> RPCResponse? {
            switch call {
            case .invalid(let id, let invalid): RPCResponse(id: id, error: includingMalformed ? error : invalid)
            case .request(let request): request.id.map { RPCResponse(id: $0, error: error) }
            }
        }
        let responses: [RPCResponse]
        let isBatch: Bool
        switch RPCIncoming.decode(line: line, maxBatch: maxBatch) {
        case .empty: return
        case .single(let call): (responses, isBatch) = (response(call).map { [$0] } ?? [], false)
        case .batch(let calls): (responses, isBatch) = (calls.compactMap(response), true)
        }
        guard !responses.isEmpty else { return }
        if isBatch {
            output.writeJSON { RPCResponse.encodeBatch(responses, into: &$0) }
        } else {
            output.writeJSON { responses[0].encode(into: &$0) }
        }
        output.writeInteger(UInt8(ascii: "\n"))
    }

    /// A batch's immediate replies are encoded as they come, into one buffer between `[` and `]`;
    /// deferred ones join them later as bytes, so nothing is encoded twice.
    private func dispatchBatch(
        _ calls: [RPCCall], line: UnsafeRawBufferPointer, context: CallContext, policy: AccessPolicy,
        into output: inout ByteBuffer, completion: @escaping Completion
    ) -> Outcome {
        var replies = allocator.buffer(capacity: 256)
        var running: [PendingCall] = []
        for call in calls {
            let beforeComma = replies.writerIndex
            if replies.readableBytes > 0 { replies.writeInteger(UInt8(ascii: ",")) }
            let start = replies.writerIndex
            switch run(call, line: line, context: context, policy: policy, into: &replies) {
            case .answered:
                if replies.writerIndex == start { replies.moveWriterIndex(to: beforeComma) }
            case .running(let pending):
                replies.moveWriterIndex(to: beforeComma)
                running.append(pending)
            }
        }
        guard !running.isEmpty else {
            Self.closeBatch(replies, into: &output)
            return .done
        }
        Task { [replies, running, allocator] in
            var all = replies
            await withTaskGroup(of: ByteBuffer?.self) { group in
                for pending in running {
                    group.addTask {
                        var reply = allocator.buffer(capacity: 128)
                        return await pending.finish(into: &reply) ? reply : nil
                    }
                }
                for await case var reply? in group {
                    if all.readableBytes > 0 { all.writeInteger(UInt8(ascii: ",")) }
                    all.writeBuffer(&reply)
                }
            }
            var line = allocator.buffer(capacity: all.readableBytes + 3)
            Self.closeBatch(all, into: &line)
            completion(line.readableBytes > 0 ? line : nil, running.count)
        }
        return .pending(calls: running.count)
    }

    /// Writes `[replies]` and a newline; a batch whose calls were all notifications owes nothing.
    private static func closeBatch(_ replies: ByteBuffer, into output: inout ByteBuffer) {
        guard replies.readableBytes > 0 else { return }
        var replies = replies
        output.writeInteger(UInt8(ascii: "["))
        output.writeBuffer(&replies)
        output.writeString("]\n")
    }

    private enum CallOutcome {
        /// The reply, if one is owed, has been written.
        case answered
        case running(PendingCall)
    }

    /// Runs one call on the caller's thread. A reply owed now is written to `output` (without a
    /// newline); a notification leaves `output` as it was, whatever happened.
    private func run(
        _ call: RPCCall, line: UnsafeRawBufferPointer, context: CallContext, policy: AccessPolicy, into output: inout ByteBuffer
    ) -> CallOutcome {
        let request: RPCEnvelope
        switch call {
        case .invalid(let id, let error):
            output.writeJSON { RPCResponse(id: id, error: error).encode(into: &$0) }
            return .answered
        case .request(let decoded): request = decoded
        }
        let start = output.writerIndex
        let started = observer == nil ? 0 : SystemClock.monotonicSeconds()
        // A notification never gets a reply, not even an error: failures end here silently.
        func fail(_ error: RPCError) -> CallOutcome {
            output.moveWriterIndex(to: start)
            if let id = request.id { output.writeJSON { RPCResponse(id: id, error: error).encode(into: &$0) } }
            observer?.answered(method: request.method, ok: false, seconds: SystemClock.monotonicSeconds() - started)
            return .answered
        }
        guard let handler = methods.handler(for: request.method) else {
            return fail(RPCError(.methodNotFound, "method not found: \(request.method)", details: ["method": .string(request.method)]))
        }
        guard policy.permits(context.peer, toCall: request.method) else {
            return fail(RPCError(.permissionDenied, "permission denied: uid \(context.peer.userID) may not call \(request.method)",
                                 details: ["method": .string(request.method)]))
        }
        let result: MethodResult
        do {
            let params = try request.params(in: line)
            // The reply's head goes first, so a direct handler writes its result right after it.
            output.writeJSON(expectedBytes: 64) { RPCResponse.encodeResultHead(id: request.id ?? .null, into: &$0) }
            result = try handler(params, context, &output)
        } catch {
            return fail(error)
        }
        switch result {
        case .value(let value):
            if request.id != nil { output.writeJSON(value) }
        case .written:
            break
        case .later(let work):
            output.moveWriterIndex(to: start)
            return .running(PendingCall(id: request.id, method: request.method, started: started, observer: observer, work: work))
        }
        if request.id == nil {
            output.moveWriterIndex(to: start)
        } else {
            output.writeInteger(UInt8(ascii: "}"))
        }
        observer?.answered(method: request.method, ok: true, seconds: SystemClock.monotonicSeconds() - started)
        return .answered
    }
}

/// A deferred call: its work, and the id its reply carries (nil for a notification).
private struct PendingCall: Sendable {
    let id: RPCID?
    let method: String
    /// Monotonic seconds at the call's arrival.
    let started: Double
    let observer: (any RPCObserver)?
    let work: @Sendable () async throws(RPCError) -> JSONValue

    /// Runs the work and encodes its reply into `output`.
    /// - Returns: whether a reply was written (notifications get none).
    func finish(into output: inout ByteBuffer) async -> Bool {
        let outcome: Result<JSONValue, RPCError>
        do throws(RPCError) {
            outcome = .success(try await work())
        } catch {
            outcome = .failure(error)
        }
        if let observer {
            let ok: Bool
            if case .success = outcome { ok = true } else { ok = false }
            observer.answered(method: method, ok: ok, seconds: SystemClock.monotonicSeconds() - started)
        }
        guard let id else { return false }
        output.writeJSON { RPCResponse(id: id, outcome: outcome).encode(into: &$0) }
        return true
    }
}
