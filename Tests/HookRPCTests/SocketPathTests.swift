import HookRPC
import Testing

/// One row of the resolution table: the inputs, which files exist, and the path expected.
struct SocketPathCase: Sendable, CustomTestStringConvertible {
    var rule: String
    var explicit: String? = nil
    var environment: [String: String] = [:]
    var userID: UInt32 = 1000
    var forClient: Bool
    var existing: Set<String> = []
    var expected: String

    var testDescription: String { rule }
}

@Suite("SocketPath.resolve")
struct SocketPathTests {
    static let system = "/run/hookd/hookd.sock"
    static let xdg = ["XDG_RUNTIME_DIR": "/run/user/1000"]
    static let userPath = "/run/user/1000/hookd.sock"

    static let cases: [SocketPathCase] = [
        // 1. explicit
        .init(rule: "an explicit path wins over everything", explicit: "/srv/explicit.sock",
              environment: ["HOOKD_SOCKET": "/env/hookd.sock", "RUNTIME_DIRECTORY": "/run/rd", "XDG_RUNTIME_DIR": "/run/user/1000"],
              forClient: true, existing: [system], expected: "/srv/explicit.sock"),
        .init(rule: "an explicit path wins for root too", explicit: "/srv/explicit.sock", userID: 0,
              forClient: false, expected: "/srv/explicit.sock"),
        .init(rule: "an empty explicit path is ignored", explicit: "",
              environment: ["HOOKD_SOCKET": "/env/hookd.sock"], forClient: true, expected: "/env/hookd.sock"),
        // 2. HOOKD_SOCKET
        .init(rule: "HOOKD_SOCKET wins over RUNTIME_DIRECTORY and XDG_RUNTIME_DIR",
              environment: ["HOOKD_SOCKET": "/env/hookd.sock", "RUNTIME_DIRECTORY": "/run/rd", "XDG_RUNTIME_DIR": "/run/user/1000"],
              forClient: false, expected: "/env/hookd.sock"),
        .init(rule: "a client with HOOKD_SOCKET never falls back", environment: ["HOOKD_SOCKET": "/env/hookd.sock"],
              forClient: true, existing: [system], expected: "/env/hookd.sock"),
        .init(rule: "an empty HOOKD_SOCKET is ignored", environment: ["HOOKD_SOCKET": "", "XDG_RUNTIME_DIR": "/run/user/1000"],
              forClient: false, expected: userPath),
        // 4. RUNTIME_DIRECTORY
        .init(rule: "RUNTIME_DIRECTORY for a user daemon", environment: ["RUNTIME_DIRECTORY": "/run/rd", "XDG_RUNTIME_DIR": "/run/user/1000"],
              forClient: false, expected: "/run/rd/hookd.sock"),
        .init(rule: "RUNTIME_DIRECTORY wins over root's default", environment: ["RUNTIME_DIRECTORY": "/run/rd"], userID: 0,
              forClient: false, expected: "/run/rd/hookd.sock"),
        .init(rule: "RUNTIME_DIRECTORY with several directories uses the first",
              environment: ["RUNTIME_DIRECTORY": "/run/first:/run/second"], forClient: false, expected: "/run/first/hookd.sock"),
        .init(rule: "a client with RUNTIME_DIRECTORY never falls back", environment: ["RUNTIME_DIRECTORY": "/run/rd"],
              forClient: true, existing: [system], expected: "/run/rd/hookd.sock"),
        .init(rule: "an empty RUNTIME_DIRECTORY is ignored", environment: ["RUNTIME_DIRECTORY": ""], userID: 0,
              forClient: false, expected: system),
        // 5. root
        .init(rule: "root's daemon uses the system path", userID: 0, forClient: false, expected: system),
        .init(rule: "root's client uses the system path even with XDG_RUNTIME_DIR set", environment: ["XDG_RUNTIME_DIR": "/run/user/0"],
              userID: 0, forClient: true, expected: system),
        // 5. other users
        .init(rule: "a user daemon uses XDG_RUNTIME_DIR", environment: xdg, forClient: false, expected: userPath),
        .init(rule: "a user daemon without XDG_RUNTIME_DIR uses /tmp/hookd-<uid>", userID: 1234, forClient: false,
              expected: "/tmp/hookd-1234/hookd.sock"),
        .init(rule: "an empty XDG_RUNTIME_DIR counts as unset", environment: ["XDG_RUNTIME_DIR": ""], userID: 1234, forClient: false,
              expected: "/tmp/hookd-1234/hookd.sock"),
        .init(rule: "a user client uses its own path when it exists", environment: xdg, forClient: true,
              existing: [userPath, system], expected: userPath),
        .init(rule: "a user client keeps its own path when neither exists", environment: xdg, forClient: true,
              existing: [], expected: userPath),
        .init(rule: "a user client falls back to the system path when only that exists", environment: xdg, forClient: true,
              existing: [system], expected: system),
        .init(rule: "a user client without XDG_RUNTIME_DIR falls back the same way", userID: 1234, forClient: true,
              existing: [system], expected: system),
        .init(rule: "a user client without XDG_RUNTIME_DIR keeps /tmp/hookd-<uid> when it exists", userID: 1234, forClient: true,
              existing: ["/tmp/hookd-1234/hookd.sock", system], expected: "/tmp/hookd-1234/hookd.sock"),
        .init(rule: "a user daemon never falls back", environment: xdg, forClient: false,
              existing: [system], expected: userPath),
    ]

    @Test("resolution order", arguments: cases)
    func resolve(row: SocketPathCase) {
        let path = SocketPath.resolve(
            explicit: row.explicit, environment: row.environment, userID: row.userID,
            forClient: row.forClient, fileExists: { row.existing.contains($0) })
        #expect(path == row.expected)
    }

    @Test("the system path is /run/hookd/hookd.sock")
    func systemPath() {
        #expect(SocketPath.systemPath == "/run/hookd/hookd.sock")
    }
}
