import CJansson
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("jansson, used directly")
struct JanssonSmokeTests {
    @Test("json_loads then json_dumps gives the document back")
    func loadAndDump() throws {
        let text = #"{"name":"hookd","values":[1,2.5,true,null],"nested":{"k":"v"}}"#
        var error = json_error_t()
        let root = try #require(json_loads(text, 0, &error), "jansson refused the document")
        defer { json_decref(root) }
        #expect(root.pointee.refcount == 1)
        #expect(hookd_json_typeof(root) == JSON_OBJECT)
        #expect(json_object_size(root) == 3)

        let dumped = try #require(json_dumps(root, Int(JSON_COMPACT)))
        defer { free(dumped) }
        #expect(String(cString: dumped) == text)
    }

    @Test("json_loads reports the reason and position of a syntax error")
    func loadError() {
        var error = json_error_t()
        let root = json_loads("[1,]", 0, &error)
        defer { json_decref(root) }
        #expect(root == nil)
        let reason = withUnsafeBytes(of: &error.text) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        #expect(reason.contains("unexpected token"))
        #expect(error.line == 1)
    }
}
