import Foundation
import HookJSON
import HookRPC
import Testing

@Suite("OpenRPCDocument")
struct OpenRPCDocumentTests {
    /// protocol/hookd.openrpc.json, found from this file's place in the repository.
    static func committedDocument() throws -> [UInt8] {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // HookRPCTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // repository root
        return Array(try Data(contentsOf: root.appendingPathComponent("protocol/hookd.openrpc.json")))
    }

    @Test("the embedded text is protocol/hookd.openrpc.json byte for byte")
    func embeddedMatchesFile() throws {
        let file = try Self.committedDocument()
        let embedded = Array(OpenRPCDocument.text.utf8)
        let firstDifference = zip(embedded, file).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(embedded.count, file.count)
        let identical = embedded == file
        #expect(identical, "embedded \(embedded.count) bytes, file \(file.count) bytes, first difference at byte \(firstDifference)")
    }

    @Test("the embedded text parses as JSON")
    func parses() throws {
        let document = try JSONValue.parse(OpenRPCDocument.text)
        #expect(document.objectValue != nil)
    }

    @Test("it is an OpenRPC 1.2.6 document")
    func openRPCVersion() throws {
        let document = try JSONValue.parse(OpenRPCDocument.text)
        #expect(document["openrpc"] == "1.2.6")
    }

    @Test("it lists exactly the methods MethodName names")
    func listsEveryMethod() throws {
        let document = try JSONValue.parse(OpenRPCDocument.text)
        let names = try #require(document["methods"]?.arrayValue).compactMap { $0["name"]?.stringValue }
        let expected = MethodName.all
        #expect(names.count == expected.count)
        #expect(Set(names) == Set(expected))
    }

    @Test("its version is hookd's version")
    func infoVersion() throws {
        let document = try JSONValue.parse(OpenRPCDocument.text)
        #expect(document["info"]?["version"] == .string(hookdVersion))
    }
}
