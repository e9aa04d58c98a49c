import HookCore
import HookJSON
import HookRPC

/// Turns one decoded input line into its reply bytes: access control, method lookup, params,
/// and the JSON-RPC 2.0 rules for notifications and batches.
///
/// It knows nothing of sockets, so the protocol rules are tested without one. Immediate methods
/// are answered in the same call; when any part of the line runs deferred, the reply comes
/// later through `completion`.
public struct RPCDispatcher: Sendable {
    /// The outcome of dispatching one line.
    public enum Outcome: Sendable {
        /// The reply line (without newline), or nil when nothing is owed (notifications only).
        case done([UInt8]?)
        /// A deferred method is running; `completion` will be called exactly once.
        case pending
    }

    public let methods: MethodTable

    public init(methods: MethodTable) {
        self.methods = methods
    }

    /// Dispatches one line's calls.
    /// - Parameters:
    ///   - policy: the ACL in force for this call.
    ///   - completion: receives the reply when the outcome is `.pending`; may run on any thread.
    public func dispatch(
        _ incoming: RPCIncoming, context: CallContext, policy: AccessPolicy,
        completion: @escaping @Sendable ([UInt8]?) -> Void
    ) -> Outcome {
        switch incoming {
        case .empty:
            return .done(nil)
        case .single(let call):
            switch run(call, context: context, policy: policy) {
            case .answered(let response): return .done(response.map(Self.encode))
            case .answeredEncoded(let id, let result):
                var output: [UInt8] = []
                output.reserveCapacity(result.count + 40)
                RPCResponse.encode(id: id, encodedResult: result, into: &output)
                return .done(output)
            case .running(let task):
                Task {
                    let response = await task.value
                    completion(response.map(Self.encode))
                }
                return .pending
            }
        case .batch(let calls):
            return dispatchBatch(calls, context: context, policy: policy, completion: completion)
        }
    }

    /// The reply owed for a line that arrives when hookd takes no more work: every request gets
    /// `error`, malformed input its own error, notifications nothing.
    public func refusal(_ incoming: RPCIncoming, error: RPCError) -> [UInt8]? {
        func response(_ call: RPCCall) -> RPCResponse? {
            switch call {
            case .invalid(let id, let invalid): RPCResponse(id: id, error: invalid)
            case .request(let request): request.id.map { RPCResponse(id: $0, error: error) }
            }
        }
        switch incoming {
        case .empty: return nil
        case .single(let call): return response(call).map(Self.encode)
        case .batch(let calls): return Self.encodeBatch(calls.compactMap(response))
        }
    }

    private func dispatchBatch(
        _ calls: [RPCCall], context: CallContext, policy: AccessPolicy,
        completion: @escaping @Sendable ([UInt8]?) -> Void
    ) -> Outcome {
        var responses: [RPCResponse] = []
        var running: [Task<RPCResponse?, Never>] = []
        for call in calls {
            switch run(call, context: context, policy: policy) {
            case .answered(let response): if let response { responses.append(response) }
            case .answeredEncoded(let id, let result):
                // Batches are rare: turn the bytes back into a value to join the batch reply.
                let value = (try? JSONValue.parse(result)) ?? .null
                responses.append(RPCResponse(id: id, result: value))
            case .running(let task): running.append(task)
            }
        }
        guard !running.isEmpty else { return .done(Self.encodeBatch(responses)) }
        let answered = responses
        Task {
            var all = answered
            for task in running {
                if let response = await task.value { all.append(response) }
            }
            completion(Self.encodeBatch(all))
        }
        return .pending
    }

    private enum CallOutcome {
        case answered(RPCResponse?)
        /// A request answered with a pre-encoded result (`MethodResult.encoded`).
        case answeredEncoded(RPCID, [UInt8])
        case running(Task<RPCResponse?, Never>)
    }

    private func run(_ call: RPCCall, context: CallContext, policy: AccessPolicy) -> CallOutcome {
        let request: RPCRequest
        switch call {
        case .invalid(let id, let error): return .answered(RPCResponse(id: id, error: error))
        case .request(let decoded): request = decoded
        }
        // A notification never gets a reply, not even an error: failures end here silently.
        func reply(_ outcome: Result<JSONValue, RPCError>) -> RPCResponse? {
            request.id.map { RPCResponse(id: $0, outcome: outcome) }
        }
        guard let handler = methods.handler(for: request.method) else {
            return .answered(reply(.failure(RPCError(.methodNotFound, "method not found: \(request.method)", details: ["method": .string(request.method)]))))
        }
        guard policy.permits(context.peer, toCall: request.method) else {
            return .answered(reply(.failure(RPCError(
                .permissionDenied, "permission denied: uid \(context.peer.userID) may not call \(request.method)",
                details: ["method": .string(request.method)]))))
        }
        let params: JSONObject
        do {
            params = try request.params()
        } catch {
            return .answered(reply(.failure(error)))
        }
        let result: MethodResult
        do {
            result = try handler(params, context)
        } catch {
            return .answered(reply(.failure(error)))
        }
        switch result {
        case .value(let value):
            return .answered(reply(.success(value)))
        case .encoded(let result):
            guard let id = request.id else { return .answered(nil) }
            return .answeredEncoded(id, result)
        case .later(let work):
            return .running(Task {
                do throws(RPCError) {
                    return reply(.success(try await work()))
                } catch {
                    return reply(.failure(error))
                }
            })
        }
    }

    private static func encode(_ response: RPCResponse) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(128)
        response.encode(into: &output)
        return output
    }

    /// A batch whose calls were all notifications owes no reply at all.
    private static func encodeBatch(_ responses: [RPCResponse]) -> [UInt8]? {
        guard !responses.isEmpty else { return nil }
        var output: [UInt8] = []
        RPCResponse.encodeBatch(responses, into: &output)
        return output
    }
}
