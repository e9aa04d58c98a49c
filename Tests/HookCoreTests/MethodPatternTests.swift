import HookCore
import Testing

@Suite("MethodPattern")
struct MethodPatternTests {
    @Test("accepts the three forms", arguments: ["*", "credential.*", "system.echo"])
    func acceptsValidForms(text: String) throws {
        let pattern = try #require(MethodPattern(text))
        #expect(pattern.description == text)
    }

    @Test("rejects anything else", arguments: ["", "cred*", "*.get", "a b", "system.**"])
    func rejectsInvalidForms(text: String) {
        #expect(MethodPattern(text) == nil)
    }

    @Test("* matches every method", arguments: ["system.echo", "credential.get", "rpc.discover"])
    func anyMatchesEverything(method: String) throws {
        let pattern = try #require(MethodPattern("*"))
        #expect(pattern.matches(method))
    }

    @Test("a namespace pattern matches the methods in that namespace")
    func namespaceMatchesItsMethods() throws {
        let pattern = try #require(MethodPattern("credential.*"))
        #expect(pattern.matches("credential.get"))
        #expect(pattern.matches("credential.list"))
    }

    @Test("a namespace pattern matches neither a longer namespace nor the bare name",
          arguments: ["credentials.get", "credential", "system.echo"])
    func namespaceDoesNotMatchOthers(method: String) throws {
        let pattern = try #require(MethodPattern("credential.*"))
        #expect(!pattern.matches(method))
    }

    @Test("an exact pattern matches only that name")
    func exactMatchesOnlyItself() throws {
        let pattern = try #require(MethodPattern("system.echo"))
        #expect(pattern.matches("system.echo"))
        #expect(!pattern.matches("system.echoes"))
        #expect(!pattern.matches("system.version"))
    }
}
