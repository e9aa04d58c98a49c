@testable import HookDaemon
import Foundation
import HookJSON
import Synchronization
import Testing

struct JSONLinesFileTests {
    /// A log whose directory disappears (a rotation gone wrong): the reopen failure is reported,
    /// lines wait, and once the directory is back they are all written, in order.
    @Test func aFailedReopenIsReportedAndRecoveredFrom() throws {
        let directory = NSTemporaryDirectory() + "hookd-jsonl-\(UUID().uuidString.prefix(8))"
        let path = "\(directory)/logs/test.log"
        let statuses = Mutex<[JSONLinesFile.Status]>([])
        let file = try JSONLinesFile(path: path) { status in statuses.withLock { $0.append(status) } }
        defer { file.close() }
        file.append(["n": 1])
        file.flush()
        try FileManager.default.removeItem(atPath: "\(directory)/logs")
        // Make the directory impossible to recreate: a plain file where it should be.
        try Data().write(to: URL(fileURLWithPath: "\(directory)/logs"))
        file.reopen()
        file.append(["n": 2])
        file.flush()
        let failing = statuses.withLock { $0.last }
        guard case .failing(let reason, _, _)? = failing else {
            Issue.record("expected a failing status, got \(String(describing: failing))")
            return
        }
        #expect(reason.contains("cannot reopen"), "\(reason)")
        try FileManager.default.removeItem(atPath: "\(directory)/logs")
        usleep(1_100_000)  // reopening is retried at most once a second
        file.append(["n": 3])
        file.flush()
        #expect(statuses.withLock { $0.last } == .writing)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == "{\"n\":2}\n{\"n\":3}\n", "the waiting line and the new one, in order")
    }
}
