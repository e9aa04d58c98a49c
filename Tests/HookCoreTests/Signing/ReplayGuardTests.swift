import HookCore
import HookJSON
import Testing

/// `inbound.verify`'s in-process replay memory, driven by an injected clock.
@Suite("Inbound: replay guard and inbound settings")
struct ReplayGuardTests {
    @Test func anIDIsRefusedWithinItsWindowAndAcceptedAgainAfterIt() {
        let guardian = ReplayGuard(capacity: 10)
        #expect(guardian.claim("evt_1", window: 300, now: 1_000))
        #expect(!guardian.claim("evt_1", window: 300, now: 1_000))
        #expect(!guardian.claim("evt_1", window: 300, now: 1_299.9))
        #expect(guardian.claim("evt_2", window: 300, now: 1_100), "another id is its own")
        #expect(guardian.claim("evt_1", window: 300, now: 1_300), "the window has passed")
        #expect(!guardian.claim("evt_1", window: 300, now: 1_301))
    }

    @Test func expiredIDsAreDroppedAndTheBoundIsKeptByLettingTheOldestGo() {
        let guardian = ReplayGuard(capacity: 3)
        for index in 0..<3 { #expect(guardian.claim("evt_\(index)", window: 60, now: 0)) }
        #expect(guardian.count == 3)
        #expect(guardian.claim("evt_3", window: 60, now: 1))
        #expect(guardian.count == 3, "bounded")
        #expect(!guardian.contains("evt_0", now: 1), "the oldest was let go")
        #expect(guardian.contains("evt_3", now: 1) && guardian.contains("evt_2", now: 1))
        #expect(guardian.claim("evt_9", window: 60, now: 100))
        #expect(guardian.count == 1, "expired ids are dropped as time passes")
    }

    @Test func aWindowRunsFromTheSignedTimestampOrIsTwiceTheToleranceWithoutOne() throws {
        let defaults = InboundSettings()
        #expect(defaults.tolerance == 300)
        #expect(defaults.replayWindow(timestamp: nil, now: 1_000) == 600)
        #expect(defaults.replayWindow(timestamp: 1_000, now: 1_100) == 200, "until the timestamp leaves the tolerance")
        #expect(defaults.replayWindow(timestamp: 1_200, now: 1_000) == 500, "a timestamp ahead is remembered until it is too old")
        let set = try InboundSettings(json: ["tolerance_seconds": 60, "replay_window_seconds": 900])
        #expect(set.replayWindow(timestamp: nil, now: 0) == 900)
        #expect(set.json == ["tolerance_seconds": 60.0, "replay_window_seconds": 900.0])
    }

    @Test("bad inbound settings are refused naming the field", arguments: [
        (["tolerance_seconds": 0] as JSONObject, "inbound.tolerance_seconds"),
        (["tolerance_seconds": "300"] as JSONObject, "inbound.tolerance_seconds"),
        (["replay_window_seconds": 700_000] as JSONObject, "inbound.replay_window_seconds"),
        (["tolerence_seconds": 10] as JSONObject, "inbound.tolerence_seconds"),
        (["generic": ["prefix": "sha256="]] as JSONObject, "inbound.generic.header"),
        (["generic": "X-Signature"] as JSONObject, "inbound.generic"),
    ])
    func refused(object: JSONObject, field: String) {
        #expect(throws: WebhookValidationError.self) { try InboundSettings(json: object) }
        do {
            _ = try InboundSettings(json: object)
        } catch {
            #expect(error.field == field)
        }
    }
}
