import HookJSON
import HookRPC

/// Typed calls for the migration of legacy credentials into Infisical: plan, run, verify, roll
/// back, and the journal's state. Replies name webhooks and secrets, never a value.
///
/// A run writes and reads one secret per webhook, so the calls that touch Infisical take as long
/// as there are webhooks: give this client a `timeoutSeconds` to match.
extension HookClient {
    /// `migrate.plan`: what a run would do to each webhook, without writing anything.
    /// - Parameters:
    ///   - codes: only these webhook codes (nil: every webhook whose credential is in `from`).
    ///   - direction: `OUT`, `IN` or `ALL` (nil: hookd's default, all).
    ///   - from: the legacy source, `database`, `env` or `file` (nil: hookd's default, database).
    ///   - naming: a secret name template overriding `infisical.secret_naming` for this call.
    /// - Returns: `{webhooks: [{code, direction, source, secret_name, secret_path, environment,
    ///   action, reason?}], summary: {total, create, skip_same, conflict, unreadable}}`.
    public func migratePlan(codes: [String]? = nil, direction: String? = nil, from: String? = nil, naming: String? = nil)
        throws(HookClientError) -> JSONValue {
        var params = Self.migrationScope(codes: codes, direction: direction, from: from)
        if let naming { params["naming"] = .string(naming) }
        return try call(MethodName.migratePlan, params: params)
    }

    /// `migrate.run`: moves each planned webhook's credential into Infisical, step by step and
    /// journaled; with `dryRun` only reports what it would do.
    /// - Parameters:
    ///   - overwrite: replace a secret holding a different value (otherwise a `conflict`).
    ///   - concurrency: webhooks migrated at once, 1 to 32 (nil: hookd's default).
    /// - Returns: `{dry_run, results: [{code, direction, secret_name, outcome, written, reason?}],
    ///   summary: {total, migrated, skipped, conflict, failed}}`.
    public func migrateRun(
        codes: [String]? = nil, direction: String? = nil, from: String? = nil, dryRun: Bool = false, overwrite: Bool = false,
        concurrency: Int? = nil
    ) throws(HookClientError) -> JSONValue {
        var params = Self.migrationScope(codes: codes, direction: direction, from: from)
        if dryRun { params["dry_run"] = .bool(true) }
        if overwrite { params["overwrite"] = .bool(true) }
        if let concurrency { params["concurrency"] = .integer(Int64(concurrency)) }
        return try call(MethodName.migrateRun, params: params)
    }

    /// `migrate.verify`: checks each migrated webhook's secret (present and equal, read from
    /// Infisical), its registry row and its validation status against the one before the move.
    /// - Returns: `{results: [{code, direction, secret_name, ok, present, equal, registry,
    ///   validation_before, validation_after, reason?}], summary: {ok, failed, total}}`.
    public func migrateVerify(codes: [String]? = nil) throws(HookClientError) -> JSONValue {
        try call(MethodName.migrateVerify, params: Self.migrationScope(codes: codes))
    }

    /// `migrate.rollback`: puts migrated webhooks back on their backed-up legacy credential.
    /// - Parameter deleteSecret: also delete the Infisical secrets the migration created (never
    ///   one it found or only overwrote).
    /// - Returns: `{results: [{code, direction, secret_name, outcome, secret_deleted, reason?}],
    ///   summary: {rolled_back, failed, total}}`.
    public func migrateRollback(codes: [String]? = nil, deleteSecret: Bool = false) throws(HookClientError) -> JSONValue {
        var params = Self.migrationScope(codes: codes)
        if deleteSecret { params["delete_secret"] = .bool(true) }
        return try call(MethodName.migrateRollback, params: params)
    }

    /// `migrate.status`: each webhook's state in the migration journal (`planned` for the ones
    /// still in `from`, which only lists them).
    /// - Returns: `{webhooks: [{code, direction, state, step?, secret_name, reason?, updated_at?,
    ///   …}], summary: {total, planned, in_progress, migrated, rolled_back, failed}}`.
    public func migrateStatus(codes: [String]? = nil, from: String? = nil) throws(HookClientError) -> JSONValue {
        try call(MethodName.migrateStatus, params: Self.migrationScope(codes: codes, from: from))
    }

    /// The params every migration call shares; an argument left nil is left out (hookd's default).
    private static func migrationScope(codes: [String]?, direction: String? = nil, from: String? = nil) -> JSONObject {
        var params = JSONObject()
        if let codes { params["codes"] = .array(codes.map(JSONValue.string)) }
        if let direction { params["direction"] = .string(direction) }
        if let from { params["from"] = .string(from) }
        return params
    }
}
