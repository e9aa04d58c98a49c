import HookClient
import HookJSON
import HookRPC
import Testing

/// The error reply a call failed with (a failed expectation when it succeeded or failed otherwise).
func rpcError(_ call: () throws -> JSONValue) -> RPCError? {
    do {
        let result = try call()
        Issue.record("expected an error, got \(result.compactText)")
    } catch HookClientError.reply(let error) {
        return error
    } catch {
        Issue.record("expected an error reply, got \(error)")
    }
    return nil
}
