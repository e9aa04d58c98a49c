import HookCore
import HookStore
import Synchronization

/// The SQLite registry as the rest of the daemon uses it: async, off the event loop, and the
/// `database` credential source (the legacy value stored beside each record).
final class WebhookRegistry: WebhookDirectory, CredentialSourceReader {
    private let store: WebhookStore
    private let queue = BlockingQueue(label: "hookd.store")
    private let changes = Atomic<Int>(0)

    /// Grows with every change made through this registry, so a copy of a definition read
    /// earlier (the delivery engine's) knows when it is out of date.
    var generation: Int { changes.load(ordering: .acquiring) }

    init(store: WebhookStore) {
        self.store = store
    }

    func webhook(_ key: WebhookKey) async throws(CredentialError) -> Webhook? {
        do throws(StoreError) {
            return try await queue.run { [store] () throws(StoreError) in try store.webhook(key) }
        } catch {
            throw .registryFailed(error.description)
        }
    }

    func read(_ reference: String?, for webhook: Webhook) async throws(CredentialSourceError) -> String? {
        do throws(StoreError) {
            return try await queue.run { [store] () throws(StoreError) in try store.legacyCredential(for: webhook.key) }
        } catch {
            throw CredentialSourceError(.unavailable, "registry: \(error.description)")
        }
    }

    func upsert(_ definition: WebhookDefinition, now: String) async throws(StoreError) -> Webhook {
        defer { changes.add(1, ordering: .releasing) }
        return try await queue.run { [store] () throws(StoreError) in try store.upsert(definition, now: now) }
    }

    @discardableResult
    func setEnabled(_ key: WebhookKey, _ enabled: Bool, now: String) async throws(StoreError) -> Bool {
        defer { changes.add(1, ordering: .releasing) }
        return try await queue.run { [store] () throws(StoreError) in try store.setEnabled(key, enabled, now: now) }
    }

    func lookup(_ key: WebhookKey) async throws(StoreError) -> Webhook? {
        try await queue.run { [store] () throws(StoreError) in try store.webhook(key) }
    }

    func list(direction: WebhookDirection?) async throws(StoreError) -> [Webhook] {
        try await queue.run { [store] () throws(StoreError) in try store.webhooks(direction: direction) }
    }

    func delete(_ key: WebhookKey) async throws(StoreError) -> Bool {
        defer { changes.add(1, ordering: .releasing) }
        return try await queue.run { [store] () throws(StoreError) in try store.delete(key) }
    }
}
