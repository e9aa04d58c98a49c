import HookCore
import HookHTTP

extension NetworkPolicy {
    /// The policy as the HTTP client's per-connection check, for clients whose calls carry a
    /// webhook credential; the refusal names the address and its class (never a secret).
    var addressScreen: HTTPClient.AddressScreen {
        let policy = self
        return { bytes in
            guard let address = IPAddress(bytes: bytes) else { return "blocked address: not IPv4 or IPv6" }
            switch policy.decision(for: address) {
            case .allowed: return nil
            case .blocked(let addressClass):
                return "blocked address \(address) (\(addressClass.rawValue)); list it in network.allow to reach it"
            }
        }
    }
}
