import FuzzSupport
import HookCore
@testable import HookDaemon
import HookHTTP
import HookJSON
@testable import HookInfisical

/// Feeds fuzzed upstream answers to the parsers that turn them into times: `Retry-After`
/// (`HTTPResponse.retryAfterSeconds`), Infisical's login and renewal answer
/// (`InfisicalClient.tokenGrant`) and an OAuth2 token endpoint's answer
/// (`OAuth2TokenClient.issuedToken`).
///
/// Input: header lines (`Name: value`; a line without a colon is a `Retry-After` value), an
/// empty line, then the body, read by both token parsers. Properties: a Retry-After is absent or
/// finite within `0...maximum`, and plain digits are always honoured; Infisical lifetimes are
/// finite within ten years, and one already in range is kept as sent; an OAuth2 token expires
/// finitely within a year of its receipt; a refused answer is `unavailable`, never a trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzUpstream(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, count: size)
    var headers: [(name: String, value: String)] = []
    while let line = input.textLine(), !line.isEmpty {
        if let colon = line.firstIndex(of: ":") {
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...].drop { $0 == " " })))
        } else {
            headers.append(("Retry-After", line))
        }
    }
    let body = Array(input.rest())
    let response = HTTPResponse(statusCode: 429, body: body, headers: headers)
    checkRetryAfter(response)
    checkInfisical(body)
    checkOAuth2(body)
    return 0
}

/// The caps callers pass: Infisical's minute, an hour, none at all, and a fraction.
private let retryAfterMaximums: [Double] = [60, 3600, 0, 0.5]

private func checkRetryAfter(_ response: HTTPResponse) {
    let text = response.header(named: "retry-after")
    for maximum in retryAfterMaximums {
        guard let seconds = response.retryAfterSeconds(maximum: maximum) else {
            if let text, isPlainDigits(text) {
                expectProperty(false, "Retry-After '\(text)' (digits) was ignored")
            }
            continue
        }
        expectProperty(seconds.isFinite && (0...maximum).contains(seconds), "Retry-After '\(text ?? "")' gave \(seconds) s, cap \(maximum)")
        if let text, isPlainDigits(text), let advertised = Double(text) {
            expectProperty(seconds == min(advertised, maximum), "Retry-After '\(text)' gave \(seconds) s, cap \(maximum)")
        }
    }
}

private func isPlainDigits(_ text: String) -> Bool {
    !text.isEmpty && text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
}

private func checkInfisical(_ body: [UInt8]) {
    let grant: InfisicalClient.TokenGrant
    do throws(CredentialSourceError) {
        grant = try InfisicalClient.tokenGrant(in: body, what: "login")
    } catch {
        expectProperty(error.reason == .unavailable, "a refused Infisical answer gave \(error)")
        return
    }
    let longest = InfisicalClient.longestTokenLifetimeSeconds
    for (name, lifetime) in [("expiresIn", grant.lifetime), ("accessTokenMaxTTL", grant.maximumLifetime)] {
        expectProperty(lifetime.isFinite && (0...longest).contains(lifetime), "Infisical \(name) became \(lifetime)")
    }
    // A lifetime already within the cap is taken as sent.
    if let advertised = (try? JSONValue.parse(body))?["expiresIn"]?.doubleValue, (0...longest).contains(advertised) {
        expectProperty(grant.lifetime == advertised, "Infisical expiresIn \(advertised) became \(grant.lifetime)")
    }
}

private func checkOAuth2(_ body: [UInt8]) {
    let receivedAt = 1_750_000_000.0
    let token: IssuedToken
    do throws(CredentialSourceError) {
        token = try OAuth2TokenClient.issuedToken(answer: body, receivedAt: receivedAt)
    } catch {
        expectProperty(error.reason == .unavailable, "a refused OAuth2 answer gave \(error)")
        return
    }
    let lifetime = token.expiresAt - receivedAt
    expectProperty(token.expiresAt.isFinite && (0...OAuth2TokenClient.longestLifetimeSeconds).contains(lifetime),
                   "an OAuth2 token expires \(lifetime) s after its receipt")
}
