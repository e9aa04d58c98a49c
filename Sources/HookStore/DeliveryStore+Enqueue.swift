import HookCore

extension DeliveryStore {
    /// Queues the batch in one transaction, committed with `synchronous=FULL`: when this returns,
    /// every `.enqueued` delivery is on disk, and when it throws, none of the batch is.
    ///
    /// Each item is, in order: the existing delivery when its `(code, idempotencyKey)` was
    /// queued less than `limits.idempotencyWindow` seconds ago (also earlier in this batch);
    /// `queueFull` when `limits.maxQueued` deliveries are unfinished; otherwise a new `queued`
    /// delivery due at `now`, whose id sorts after every id this store made before.
    /// - Throws: `StoreError` naming the batch size, never a payload byte or a key.
    public func enqueue(_ deliveries: [NewDelivery], now: Double) throws(StoreError) -> [EnqueueResult] {
        guard !deliveries.isEmpty else { return [] }
        let limits = limits
        let operation = "enqueue \(deliveries.count) deliveries"
        return try state.withLock { (state: inout State) throws(StoreError) -> [EnqueueResult] in
            var ids = state.ids
            let unfinished = state.unfinished
            var added = 0
            let results = try state.write(operation, .acknowledged) { database throws(StoreError) -> [EnqueueResult] in
                let findDuplicate = try database.prepare("""
                    \(Self.recordWithPayload) WHERE code = ?1 AND idempotency_key = ?2 AND created_at > ?3
                    ORDER BY created_at DESC, id DESC LIMIT 1
                    """, operation: operation)
                let insertDelivery = try database.prepare("""
                    INSERT INTO deliveries (id, code, direction, status, created_at, next_attempt_at, idempotency_key, message_id, replay_of)
                    VALUES (?1, ?2, ?3, 'queued', ?4, ?4, ?5, ?6, ?7)
                    """, operation: operation)
                let insertPayload = try database.prepare("""
                    INSERT INTO delivery_payloads (delivery_id, method, headers, content_type, body) VALUES (?1, ?2, ?3, ?4, ?5)
                    """, operation: operation)
                var results: [EnqueueResult] = []
                results.reserveCapacity(deliveries.count)
                for item in deliveries {
                    if let key = item.idempotencyKey {
                        findDuplicate.reset()
                        try findDuplicate.bind([.text(item.code), .text(key), .double(now - limits.idempotencyWindow)])
                        if try findDuplicate.step() {
                            results.append(.duplicate(try Self.record(from: findDuplicate, withPayload: true)))
                            continue
                        }
                    }
                    guard unfinished + added < limits.maxQueued else {
                        results.append(.queueFull)
                        continue
                    }
                    let id = ids.next(at: now)
                    let record = DeliveryRecord(
                        id: id, code: item.code, direction: item.direction, status: .queued, createdAt: now, nextAttemptAt: now,
                        idempotencyKey: item.idempotencyKey, messageID: item.messageID, replayOf: item.replayOf, payload: item.payload)
                    insertDelivery.reset()
                    try insertDelivery.bind([
                        .text(id.rawValue), .text(item.code), .text(item.direction.rawValue), .double(now),
                        .text(item.idempotencyKey), .text(record.messageID.rawValue), .text(item.replayOf?.rawValue),
                    ])
                    try insertDelivery.run()
                    insertPayload.reset()
                    try insertPayload.bind([
                        .text(id.rawValue), .text(item.payload.method), .text(WebhookStore.encodeHeaders(item.payload.headers)),
                        .text(item.payload.contentType), .blob(item.payload.body),
                    ])
                    try insertPayload.run()
                    added += 1
                    results.append(.enqueued(record))
                }
                return results
            }
            // Only now, after the commit: a rolled-back batch changes neither.
            state.ids = ids
            state.unfinished += added
            return results
        }
    }
}
