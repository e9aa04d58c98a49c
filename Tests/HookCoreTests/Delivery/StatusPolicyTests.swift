import HookCore
import Testing

extension DeliveryPolicyTests {
    @Suite("StatusPolicy")
    struct StatusPolicyTests {
        private func policy(_ texts: [String: String]) throws -> StatusPolicy {
            try StatusPolicy(parsing: texts)
        }

        // MARK: Defaults

        @Test("the default decision for each status", arguments: [
            (200, DeliveryDecision.delivered), (201, .delivered), (204, .delivered), (299, .delivered),
            (300, .retry), (301, .retry), (302, .retry), (304, .retry), (399, .retry),
            (400, .dead(reason: .rejected)), (401, .refreshCredentialAndRetryNow), (402, .dead(reason: .rejected)),
            (403, .refreshCredentialAndRetryNow), (404, .dead(reason: .rejected)), (405, .dead(reason: .rejected)),
            (408, .retry), (409, .retry), (410, .gone), (413, .dead(reason: .rejected)), (422, .dead(reason: .rejected)),
            (425, .retry), (429, .retry), (451, .dead(reason: .rejected)), (499, .dead(reason: .rejected)),
            (500, .retry), (502, .retry), (503, .retry), (504, .retry), (599, .retry),
            (100, .retry), (199, .retry), (0, .retry), (-1, .retry), (600, .retry), (999, .retry),
        ])
        func defaultDecisions(statusCode: Int, decision: DeliveryDecision) {
            #expect(StatusPolicy.standard.decision(for: .response(statusCode: statusCode)) == decision)
        }

        @Test("timeouts and connection errors are retried; a blocked address is dead")
        func nonResponses() {
            #expect(StatusPolicy.standard.decision(for: .timeout) == .retry)
            #expect(StatusPolicy.standard.decision(for: .connectionFailed) == .retry)
            #expect(StatusPolicy.standard.decision(for: .blockedAddress) == .dead(reason: .blockedAddress))
            #expect(StatusPolicy.standard.decision(for: .timeout, credentialAlreadyRefreshed: true) == .retry)
        }

        @Test("401/403 refresh the credential once, then follow the schedule", arguments: [401, 403])
        func authRefreshOnce(statusCode: Int) {
            let outcome = AttemptOutcome.response(statusCode: statusCode)
            #expect(StatusPolicy.standard.decision(for: outcome, credentialAlreadyRefreshed: false) == .refreshCredentialAndRetryNow)
            #expect(StatusPolicy.standard.decision(for: outcome, credentialAlreadyRefreshed: true) == .retry)
            #expect(outcome.isAuthFailure)
        }

        @Test("a refreshed credential changes nothing for other statuses", arguments: [200, 404, 410, 429, 500])
        func refreshedOnlyMattersForAuth(statusCode: Int) {
            let outcome = AttemptOutcome.response(statusCode: statusCode)
            #expect(StatusPolicy.standard.decision(for: outcome, credentialAlreadyRefreshed: true)
                == StatusPolicy.standard.decision(for: outcome, credentialAlreadyRefreshed: false))
        }

        @Test("only 401 and 403 are auth failures")
        func authFailures() {
            #expect(AttemptOutcome.response(statusCode: 401).isAuthFailure)
            #expect(AttemptOutcome.response(statusCode: 403).isAuthFailure)
            for outcome in [AttemptOutcome.response(statusCode: 400), .response(statusCode: 404), .response(statusCode: 407),
                            .response(statusCode: 500), .timeout, .connectionFailed, .blockedAddress] {
                #expect(!outcome.isAuthFailure)
            }
        }

        @Test("dead reasons and their stored names")
        func deadReasons() {
            #expect(DeliveryDecision.gone.deadReason == .gone)
            #expect(DeliveryDecision.dead(reason: .rejected).deadReason == .rejected)
            #expect(DeliveryDecision.dead(reason: .exhausted).deadReason == .exhausted)
            #expect(DeliveryDecision.delivered.deadReason == nil)
            #expect(DeliveryDecision.retry.deadReason == nil)
            #expect(DeliveryDecision.refreshCredentialAndRetryNow.deadReason == nil)
            #expect(DeadReason.allCases.map(\.rawValue) == ["rejected", "gone", "blocked_address", "exhausted"])
        }

        // MARK: Overrides

        @Test("an exact code overrides the default")
        func exactOverride() throws {
            let policy = try policy(["404": "deliver", "500": "dead"])
            #expect(policy.decision(for: .response(statusCode: 404)) == .delivered)
            #expect(policy.decision(for: .response(statusCode: 500)) == .dead(reason: .rejected))
            #expect(policy.decision(for: .response(statusCode: 400)) == .dead(reason: .rejected))
            #expect(policy.decision(for: .response(statusCode: 502)) == .retry)
        }

        @Test("a class overrides the default")
        func classOverride() throws {
            let policy = try policy(["5xx": "dead", "4xx": "retry"])
            #expect(policy.decision(for: .response(statusCode: 503)) == .dead(reason: .rejected))
            #expect(policy.decision(for: .response(statusCode: 404)) == .retry)
            #expect(policy.decision(for: .response(statusCode: 200)) == .delivered)
            #expect(policy.decision(for: .response(statusCode: 301)) == .retry)
        }

        @Test("an exact code beats its class, which beats the default")
        func precedence() throws {
            let policy = try policy(["4xx": "retry", "404": "dead", "422": "deliver"])
            #expect(policy.action(for: 404) == .dead)
            #expect(policy.action(for: 422) == .deliver)
            #expect(policy.action(for: 400) == .retry)
            #expect(policy.action(for: 500) == .retry)
            #expect(policy.decision(for: .response(statusCode: 404)) == .dead(reason: .rejected))
            #expect(policy.decision(for: .response(statusCode: 400)) == .retry)
        }

        @Test("a status keeps its form within an overridden category")
        func overrideKeepsForm() throws {
            let dead = try policy(["4xx": "dead"])
            #expect(dead.decision(for: .response(statusCode: 410)) == .gone)
            #expect(dead.decision(for: .response(statusCode: 401)) == .dead(reason: .rejected))
            #expect(dead.decision(for: .response(statusCode: 429)) == .dead(reason: .rejected))
            let retry = try policy(["4xx": "retry"])
            #expect(retry.decision(for: .response(statusCode: 403)) == .refreshCredentialAndRetryNow)
            #expect(retry.decision(for: .response(statusCode: 403), credentialAlreadyRefreshed: true) == .retry)
            #expect(retry.decision(for: .response(statusCode: 410)) == .retry)
            let delivered = try policy(["401": "deliver"])
            #expect(delivered.decision(for: .response(statusCode: 401)) == .delivered)
            #expect(delivered.decision(for: .response(statusCode: 403)) == .refreshCredentialAndRetryNow)
        }

        @Test("overrides do not touch timeouts, connection errors or blocked addresses")
        func overridesOnlyStatuses() throws {
            let policy = try policy(["5xx": "dead", "4xx": "deliver"])
            #expect(policy.decision(for: .timeout) == .retry)
            #expect(policy.decision(for: .connectionFailed) == .retry)
            #expect(policy.decision(for: .blockedAddress) == .dead(reason: .blockedAddress))
        }

        @Test("2xx can only be deliver", arguments: [("2xx", "retry"), ("2xx", "dead"), ("204", "dead"), ("200", "retry")])
        func successCannotBeOverridden(pattern: String, action: String) throws {
            #expect(throws: StatusPolicyError.successOverridden(pattern: pattern, action: try StatusAction(parsing: action))) {
                try StatusPolicy(parsing: [pattern: action])
            }
        }

        @Test("2xx may be written as deliver, and others may become deliver")
        func deliverIsAllowedEverywhere() throws {
            let policy = try policy(["2xx": "deliver", "202": "deliver", "3xx": "deliver"])
            #expect(policy.decision(for: .response(statusCode: 202)) == .delivered)
            #expect(policy.decision(for: .response(statusCode: 301)) == .delivered)
        }

        @Test("the typed initialiser checks 2xx too")
        func typedOverrides() throws {
            let pattern = try StatusPattern(parsing: "2xx")
            #expect(throws: StatusPolicyError.successOverridden(pattern: "2xx", action: .dead)) {
                try StatusPolicy(overrides: [pattern: .dead])
            }
            let notFound = try StatusPattern(parsing: "404")
            let policy = try StatusPolicy(overrides: [notFound: .retry])
            #expect(policy.overrides == [notFound: .retry])
            #expect(policy.decision(for: .response(statusCode: 404)) == .retry)
        }

        // MARK: Parsing

        @Test("patterns are a code from 100 to 599 or a class", arguments: [
            ("404", "404"), ("100", "100"), ("599", "599"), ("1xx", "1xx"), ("4xx", "4xx"), ("5xx", "5xx"), ("4XX", "4xx"),
        ])
        func patterns(text: String, description: String) throws {
            #expect(try StatusPattern(parsing: text).description == description)
        }

        @Test("a pattern matches its code or class only")
        func patternMatching() throws {
            let code = try StatusPattern(parsing: "404")
            #expect(code.matches(404))
            #expect(!code.matches(403))
            #expect(code.isExactCode)
            let statusClass = try StatusPattern(parsing: "4xx")
            #expect(statusClass.matches(400))
            #expect(statusClass.matches(499))
            #expect(!statusClass.matches(399))
            #expect(!statusClass.matches(500))
            #expect(!statusClass.isExactCode)
        }

        @Test("anything else is not a pattern", arguments: [
            "", "4", "40", "4044", "600", "6xx", "0xx", "099", "4x4", "x04", "40x", "abc", " 404", "404 ", "-404", "xxx",
        ])
        func invalidPatterns(text: String) {
            #expect(throws: StatusPolicyError.invalidPattern(text)) { try StatusPattern(parsing: text) }
        }

        @Test("actions are deliver, retry or dead")
        func actions() throws {
            #expect(try StatusAction(parsing: "deliver") == .deliver)
            #expect(try StatusAction(parsing: "retry") == .retry)
            #expect(try StatusAction(parsing: "dead") == .dead)
            for text in ["", "Retry", "drop", "deliver ", "delivered"] {
                #expect(throws: StatusPolicyError.invalidAction(text)) { try StatusAction(parsing: text) }
            }
        }

        @Test("parsing names the text it could not read")
        func parsingErrors() {
            #expect(throws: StatusPolicyError.invalidPattern("40x")) { try StatusPolicy(parsing: ["40x": "retry"]) }
            #expect(throws: StatusPolicyError.invalidAction("drop")) { try StatusPolicy(parsing: ["404": "drop"]) }
            #expect(throws: StatusPolicyError.duplicatePattern("4xx")) { try StatusPolicy(parsing: ["4XX": "dead", "4xx": "retry"]) }
            #expect(StatusPolicyError.invalidPattern("40x").description
                == "status pattern '40x' is neither a code from 100 to 599 (404) nor a class from 1xx to 5xx")
            #expect(StatusPolicyError.invalidAction("drop").description == "status action 'drop' is not one of deliver, retry, dead")
        }

        @Test("the standard policy has no overrides")
        func standardPolicy() throws {
            #expect(StatusPolicy.standard.overrides.isEmpty)
            #expect(try StatusPolicy() == StatusPolicy.standard)
        }
    }
}
