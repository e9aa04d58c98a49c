import HookCore
import HookStore
import Synchronization

/// The SQLite registry as the rest of the daemon uses it: async, off the event loop, and the
/// `database` credential source (the legacy value stored beside each record).
final class WebhookRegistry: WebhookDirectory, CredentialSourceReader {
    private let store: WebhookStore
    private let queue = BlockingQueue(label: "hookd.store")
    private let changes = Atomic<Int>(0)
    private let recent = Mutex<[WebhookKey: RecentRead]>([:])
    private let sandboxRoutes = Mutex<[WebhookKey: String]>([:])

    /// Grows with every change made through this registry, so a copy of a definition read
    /// earlier (the delivery engine's) knows when it is out of date.
    var generation: Int { changes.load(ordering: .acquiring) }

    init(store: WebhookStore) {
        self.store = store
    }

    func webhook(_ key: WebhookKey) async throws(CredentialError) -> Webhook? {
        do throws(StoreError) {
            return routed(try await queue.run { [store] () throws(StoreError) in try store.webhook(key) })
        } catch {
            throw .registryFailed(error.description)
        }
    }

    /// Sends the webhooks' deliveries and validation to `url` (the testing sandbox) instead of
    /// their own URL, until `unroute`; kept in memory only (a restart ends every route).
    func route(_ keys: [WebhookKey], to url: String) {
        defer { changes.add(1, ordering: .releasing) }
        sandboxRoutes.withLock { routes in for key in keys { routes[key] = url } }
    }

    /// Ends the routes of `keys`. - Returns: those that were routed.
    func unroute(_ keys: [WebhookKey]) -> [WebhookKey] {
        defer { changes.add(1, ordering: .releasing) }
        return sandboxRoutes.withLock { routes in keys.filter { routes.removeValue(forKey: $0) != nil } }
    }

    /// The webhook with its sandbox route, when it has one.
    private func routed(_ webhook: Webhook?) -> Webhook? {
        guard var webhook else { return nil }
        webhook.sandboxRoute = sandboxRoutes.withLock { $0[webhook.key] }
        return webhook
    }

    /// A definition as read from the store lately: `webhook` is nil when there was none.
    struct RecentRead: Sendable {
        var webhook: Webhook?
        fileprivate var readAt: Double
        fileprivate var generation: Int
    }

    /// How long a definition read from the store serves hot callers (delivery attempts,
    /// `inbound.verify`). A change made through hookd applies at once; one written into the SQLite
    /// file by another process, within this time.
    static let recentLifetime: Double = 1

    /// The webhook as read within `recentLifetime` with no change made since, without waiting;
    /// nil when it must be read again (`recentWebhook`).
    func cachedWebhook(_ key: WebhookKey) -> RecentRead? {
        let generation = generation
        let now = SystemClock.monotonicSeconds()
        guard let read = recent.withLock({ $0[key] }), read.generation == generation, now - read.readAt < Self.recentLifetime else { return nil }
        return read
    }

    /// The webhook, read from the store at most once per `recentLifetime` unless it changed.
    func recentWebhook(_ key: WebhookKey) async throws(CredentialError) -> Webhook? {
        if let read = cachedWebhook(key) { return read.webhook }
        // The generation is taken before the read: a change that lands meanwhile makes this copy stale at once.
        let readAt = SystemClock.monotonicSeconds()
        let generation = generation
        let webhook = try await self.webhook(key)
        recent.withLock { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[key] = RecentRead(webhook: webhook, readAt: readAt, generation: generation)
        }
        return webhook
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
        routed(try await queue.run { [store] () throws(StoreError) in try store.webhook(key) })
    }

    func list(direction: WebhookDirection?) async throws(StoreError) -> [Webhook] {
        try await queue.run { [store] () throws(StoreError) in try store.webhooks(direction: direction) }.compactMap(routed)
    }

    /// Reads through the store on its queue (the migration journal).
    func reading<Value: Sendable>(_ body: @escaping @Sendable (WebhookStore) throws(StoreError) -> Value) async throws(StoreError) -> Value {
        try await queue.run { [store] () throws(StoreError) -> Value in try body(store) }
    }

    /// Changes the store on its queue, as a change to the registry (copies read earlier go stale).
    func changing<Value: Sendable>(_ body: @escaping @Sendable (WebhookStore) throws(StoreError) -> Value) async throws(StoreError) -> Value {
        defer { changes.add(1, ordering: .releasing) }
        return try await queue.run { [store] () throws(StoreError) -> Value in try body(store) }
    }

    func delete(_ key: WebhookKey) async throws(StoreError) -> Bool {
        defer { changes.add(1, ordering: .releasing) }
        return try await queue.run { [store] () throws(StoreError) in try store.delete(key) }
    }
}
