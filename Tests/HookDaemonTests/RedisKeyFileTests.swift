import Foundation
@testable import HookDaemon
import Testing

/// The Redis encryption key hookd makes for itself when the configuration names none.
struct RedisKeyFileTests {
    private func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hookd-key-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func theFirstStartMakesA0600KeyAndLaterStartsReadTheSameOne() throws {
        let path = try directory() + "/redis-encryption.key"
        let made = try RedisKeyFile.loadOrCreate(path: path)
        #expect(made.created && made.key.count == 32)
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o600)
        let again = try RedisKeyFile.loadOrCreate(path: path)
        #expect(!again.created && again.key == made.key)
        let other = try RedisKeyFile.loadOrCreate(path: try directory() + "/redis-encryption.key")
        #expect(other.key != made.key, "each state directory gets its own random key")
    }

    @Test func aKeyOthersCanReadIsRefused() throws {
        let path = try directory() + "/redis-encryption.key"
        _ = try RedisKeyFile.loadOrCreate(path: path)
        #expect(chmod(path, 0o640) == 0)
        let error = #expect(throws: RedisKeyFile.Failure.self) { try RedisKeyFile.loadOrCreate(path: path) }
        #expect(error?.description.contains("readable by others (mode 640)") == true)
    }

    @Test(arguments: ["", "not base64!", "c2hvcnQ="])
    func aKeyFileThatIsNotA32ByteKeyIsRefused(contents: String) throws {
        let path = try directory() + "/redis-encryption.key"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(contents.utf8), attributes: [.posixPermissions: 0o600]))
        let error = #expect(throws: RedisKeyFile.Failure.self) { try RedisKeyFile.loadOrCreate(path: path) }
        #expect(error?.description.contains("not 32 bytes in base64") == true)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == contents, "a refused file is left as it was")
    }
}
