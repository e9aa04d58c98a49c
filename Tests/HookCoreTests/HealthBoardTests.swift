import HookCore
import HookJSON
import Testing

@Suite("HealthBoard")
struct HealthBoardTests {
    @Test("an empty board is ok")
    func emptyIsOK() {
        let board = HealthBoard()
        #expect(board.overall == .ok)
        #expect(board.json == [:])
    }

    @Test("a report is read back with its detail")
    func reportReadBack() {
        let board = HealthBoard()
        board.report("redis", .degraded, detail: "connection refused")
        #expect(board.status(of: "redis")?.status == .degraded)
        #expect(board.status(of: "redis")?.detail == "connection refused")
        #expect(board.status(of: "store") == nil)
    }

    @Test("a later report replaces the earlier one, detail included")
    func laterReportReplaces() {
        let board = HealthBoard()
        board.report("redis", .degraded, detail: "connection refused")
        board.report("redis", .ok)
        #expect(board.status(of: "redis")?.status == .ok)
        #expect(board.status(of: "redis")?.detail == nil)
    }

    @Test("a removed component is no longer reported")
    func removeForgets() {
        let board = HealthBoard()
        board.report("redis", .down)
        board.remove("redis")
        #expect(board.status(of: "redis") == nil)
        #expect(board.overall == .ok)
    }

    @Test(
        "overall is ok only when every component is ok, and never worse than degraded",
        arguments: [
            ([ComponentStatus.ok, .ok], ComponentStatus.ok),
            ([.ok, .degraded], .degraded),
            ([.ok, .down], .degraded),
            ([.down, .down], .degraded),
        ])
    func overall(statuses: [ComponentStatus], expected: ComponentStatus) {
        let board = HealthBoard()
        for (index, status) in statuses.enumerated() { board.report("component\(index)", status) }
        #expect(board.overall == expected)
    }

    @Test("statuses order by severity: ok < degraded < down")
    func severityOrder() {
        #expect(ComponentStatus.ok < .degraded)
        #expect(ComponentStatus.degraded < .down)
        #expect([ComponentStatus.down, .ok, .degraded].max() == .down)
    }

    @Test("json lists every component in name order, with a detail only when there is one")
    func jsonShape() {
        let board = HealthBoard()
        board.report("store", .ok)
        board.report("infisical", .degraded, detail: "503")
        #expect(board.json.objectValue?.keys == ["infisical", "store"])
        #expect(board.json == ["infisical": ["status": "degraded", "detail": "503"], "store": ["status": "ok"]])
    }
}
