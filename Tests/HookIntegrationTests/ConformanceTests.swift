import Foundation
import HookClient
import HookJSON
import Testing

/// One case of protocol/conformance/*.jsonl: a raw request line and the reply expected.
struct ConformanceCase: CustomTestStringConvertible, Sendable {
    var file: String
    var name: String
    var request: String
    /// nil: no reply at all.
    var expect: JSONValue?

    var testDescription: String { "\(file): \(name)" }

    static func all() -> [ConformanceCase] {
        let folder = TestEnvironment.repositoryRoot.appendingPathComponent("protocol/conformance")
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".jsonl") }.sorted()
        return files.flatMap { file -> [ConformanceCase] in
            let text = (try? String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { line -> ConformanceCase? in
                guard let value = try? JSONValue.parse(String(line)), case .string(let request)? = value["request"] else { return nil }
                let expect = value["expect"].flatMap { $0 == .null ? nil : $0 }
                return ConformanceCase(file: file, name: value["name"]?.stringValue ?? request, request: request, expect: expect)
            }
        }
    }
}

/// The subset match of protocol/PROTOCOL.md: expected members must be present and match;
/// a top-level array matches unordered.
func conformanceMatches(expected: JSONValue, actual: JSONValue, topLevel: Bool = true) -> Bool {
    switch (expected, actual) {
    case (.object(let wanted), .object(let got)):
        return wanted.allSatisfy { member in got[member.key].map { conformanceMatches(expected: member.value, actual: $0, topLevel: false) } ?? false }
    case (.array(let wanted), .array(let got)):
        guard wanted.count == got.count else { return false }
        if !topLevel { return zip(wanted, got).allSatisfy { conformanceMatches(expected: $0, actual: $1, topLevel: false) } }
        var remaining = got
        for element in wanted {
            guard let index = remaining.firstIndex(where: { conformanceMatches(expected: element, actual: $0, topLevel: false) }) else { return false }
            remaining.remove(at: index)
        }
        return true
    case (.bool, _), (_, .bool):
        return expected == actual && expected.typeName == actual.typeName
    default:
        return expected == actual
    }
}

struct ConformanceTests {
    @Test func serverAndSwiftClientPassEveryCase() throws {
        let cases = ConformanceCase.all()
        #expect(cases.count >= 40, "protocol/conformance/*.jsonl should hold the conformance cases")
        let daemon = try DaemonProcess()
        let client = daemon.client(timeoutSeconds: 5)
        for testCase in cases {
            let replies: [JSONValue]
            do {
                replies = try client.exchangeRaw(testCase.request, expectingReply: testCase.expect != nil)
            } catch {
                Issue.record("\(testCase.testDescription): \(error)")
                continue
            }
            guard let expected = testCase.expect else {
                #expect(replies.isEmpty, "\(testCase.testDescription): expected no reply, got \(replies.map(\.compactText))")
                continue
            }
            guard replies.count == 1 else {
                Issue.record("\(testCase.testDescription): expected one reply, got \(replies.map(\.compactText))")
                continue
            }
            #expect(conformanceMatches(expected: expected, actual: replies[0]),
                    "\(testCase.testDescription): expected \(expected.compactText), got \(replies[0].compactText)")
        }
    }
}
