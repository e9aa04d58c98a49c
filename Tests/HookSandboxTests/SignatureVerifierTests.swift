import Foundation
import HookSandbox
import Testing

/// Asking hookd for a verdict never throws into the capture path: an unreachable hookd is an answer.
@Suite struct SignatureVerifierTests {
    @Test func anUnreachableHookdIsAnsweredAsUnreachableWithTheReason() async {
        let socket = NSTemporaryDirectory() + "hooksandbox-no-hookd-\(UUID().uuidString.prefix(8)).sock"
        let verifier = HookdSignatureVerifier(socketPath: socket, timeoutSeconds: 2)
        let started = ContinuousClock.now
        let answer = await verifier.verify(code: "STRIPE_IN", headers: [("Stripe-Signature", "t=1,v1=tok_fake")], body: Array("{}".utf8),
                                           url: "http://127.0.0.1:8787/in/stripe")
        guard case .unreachable(let reason) = answer else {
            Issue.record("expected unreachable, got \(answer)")
            return
        }
        #expect(reason.contains(socket), "got \(reason)")
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}
