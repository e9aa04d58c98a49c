import Foundation
import HookCore
import HookStore
import Synchronization
import Testing

/// One store shared by many threads.
struct WebhookStoreConcurrencyTests {
    @Test func upsertsFromEightThreadsAllLand() throws {
        try withTemporaryDirectory { directory in
            let store = try WebhookStore(path: directory + "/registry.db")
            let threads = 8
            let perThread = 25
            let definitions = try (0..<threads).map { thread in
                try (0..<perThread).map { index in
                    try databaseDefinition("HOOK_\(thread)_\(index)", value: "secret-\(thread)-\(index)")
                }
            }
            let failures = Mutex<[String]>([])
            let group = DispatchGroup()
            for thread in 0..<threads {
                group.enter()
                let mine = definitions[thread]
                Thread.detachNewThread {
                    defer { group.leave() }
                    for item in mine {
                        do {
                            try store.upsert(item, now: t1)
                            // A shared key too, so updates race with inserts.
                            try store.upsert(try definition("SHARED", "IN", ["description": .string("thread \(thread)")]), now: t2)
                        } catch {
                            failures.withLock { $0.append("\(error)") }
                        }
                    }
                }
            }
            #expect(group.wait(timeout: .now() + 60) == .success)
            #expect(failures.withLock { $0 } == [])
            let all = try store.webhooks()
            #expect(all.count == threads * perThread + 1)
            #expect(try store.legacyCredential(for: key("HOOK_7_24")) == "secret-7-24")
            #expect(try store.webhook(key("SHARED", .inbound))?.createdAt == t2)
        }
    }
}
