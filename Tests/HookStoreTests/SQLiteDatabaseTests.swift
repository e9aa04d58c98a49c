@testable import HookStore
import Testing

/// The SQLite handle owner: binding, columns, transactions, migrations.
struct SQLiteDatabaseTests {
    @Test func everyStorageClassRoundTrips() throws {
        try withTemporaryDirectory { directory in
            let database = try SQLiteDatabase(path: directory + "/plain.db", create: true)
            let statement = try database.prepare("SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8", operation: "test: echo")
            try statement.bind([
                .null, .integer(Int64.min), .double(-0.125), .text("zürich \u{0}nul"), .text(""), .blob([0, 255, 10]),
                .blob([]), .bool(true),
            ])
            #expect(try statement.step())
            let firstIsNull = statement.isNull(at: 0)
            let emptyBlobIsNull = statement.isNull(at: 6)
            #expect(firstIsNull)
            #expect(statement.text(at: 0) == nil)
            #expect(statement.integer(at: 1) == Int64.min)
            #expect(statement.double(at: 2) == -0.125)
            #expect(statement.text(at: 3) == "zürich \u{0}nul")
            #expect(statement.text(at: 4) == "")
            #expect(statement.blob(at: 5) == [0, 255, 10])
            #expect(statement.blob(at: 6) == [])
            #expect(!emptyBlobIsNull, "an empty blob is not NULL")
            #expect(statement.integer(at: 7) == 1)
            #expect(try statement.step() == false)
        }
    }

    @Test func invalidSQLIsAnErrorNamingTheOperation() throws {
        try withTemporaryDirectory { directory in
            let database = try SQLiteDatabase(path: directory + "/plain.db", create: true)
            let error = try #require(throws: StoreError.self) { _ = try database.prepare("SELEKT 1", operation: "test: typo") }
            #expect(error.operation == "test: typo")
            #expect(error.sqliteResultCode == 1)
            #expect(error.description.contains("syntax error"))
        }
    }

    @Test func aMissingFileIsNotCreatedWithoutAsking() throws {
        try withTemporaryDirectory { directory in
            let error = try #require(throws: StoreError.self) { try SQLiteDatabase(path: directory + "/absent.db") }
            #expect(error.description.contains("open \(directory)/absent.db"))
            #expect(throws: (any Error).self) { try permissions(of: directory + "/absent.db") }
        }
    }

    @Test func aTransactionCommitsOrRollsBack() throws {
        try withTemporaryDirectory { directory in
            let database = try SQLiteDatabase(path: directory + "/plain.db", create: true)
            try database.execute("CREATE TABLE t (x INTEGER)", operation: "test")
            try database.transaction("test: commit") { () throws(StoreError) in
                try database.execute("INSERT INTO t VALUES (1)", operation: "test")
            }
            let failure = StoreError(code: .sqlite, operation: "test: fail", message: "on purpose")
            #expect(throws: failure) {
                try database.transaction("test: roll back") { () throws(StoreError) in
                    try database.execute("INSERT INTO t VALUES (2)", operation: "test")
                    throw failure
                }
            }
            #expect(database.isAutocommit)
            #expect(try database.singleText("SELECT group_concat(x) FROM t", operation: "test") == "1")
        }
    }

    @Test func migrationsRunOnceEachInOrder() throws {
        try withTemporaryDirectory { directory in
            let database = try SQLiteDatabase(path: directory + "/plain.db", create: true)
            let migrations = [
                SQLiteMigration(version: 1, summary: "one", sql: "CREATE TABLE a (x);"),
                SQLiteMigration(version: 2, summary: "two", sql: "CREATE TABLE b (y); INSERT INTO b VALUES (2);"),
            ]
            #expect(try database.migrate(Array(migrations.prefix(1))) == [1])
            #expect(try database.migrate(migrations) == [2])
            #expect(try database.migrate(migrations) == [])
            #expect(try database.userVersion() == 2)
        }
    }

    @Test func aFailingMigrationLeavesTheVersionBeforeIt() throws {
        try withTemporaryDirectory { directory in
            let database = try SQLiteDatabase(path: directory + "/plain.db", create: true)
            let migrations = [
                SQLiteMigration(version: 1, summary: "one", sql: "CREATE TABLE a (x);"),
                SQLiteMigration(version: 2, summary: "broken", sql: "CREATE TABLE c (z); CREATE TABLE a (x);"),
            ]
            let error = try #require(throws: StoreError.self) { try database.migrate(migrations) }
            #expect(error.description.contains("schema version 2 (broken)"))
            #expect(error.description.contains("table a already exists"))
            #expect(try database.userVersion() == 1)
            #expect(try database.singleText("SELECT count(*) FROM sqlite_schema WHERE name = 'c'", operation: "test") == "0")
        }
    }
}
