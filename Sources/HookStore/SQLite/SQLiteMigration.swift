/// One step of a schema's history: the SQL that takes a database from `version - 1` to `version`.
///
/// Migrations are written in code, numbered from 1 without gaps, and never edited once released:
/// a database records the last one applied in `PRAGMA user_version`.
struct SQLiteMigration: Sendable {
    /// The schema version this step produces.
    let version: Int
    /// What the step does, for messages.
    let summary: String
    /// The SQL, one or more statements; runs inside the step's transaction.
    let sql: String
}
