@testable import HookDaemon
import HookJSON
import NIOCore
import Testing

struct ByteBufferJSONTests {
    @Test func aValueLargerThanTheFirstGuessIsWrittenWholeAfterMoreRoom() {
        let value = JSONValue.array((0..<500).map { JSONValue.string("item \($0)") })
        var buffer = ByteBufferAllocator().buffer(capacity: 8)
        buffer.writeString("head:")
        buffer.writeJSON(expectedBytes: 16) { value.encode(into: &$0) }
        #expect(String(buffer: buffer) == "head:" + value.compactText)
    }

    @Test func anEncoderIsRunAgainOnlyWhenItDidNotFitAndNoPartialAttemptRemains() {
        var buffer = ByteBufferAllocator().buffer(capacity: 8)
        var runs = 0
        buffer.writeJSON(expectedBytes: 64) { writer in
            runs += 1
            JSONValue.string("small").encode(into: &writer)
        }
        #expect(runs == 1, "it fitted the first time")
        let long = String(repeating: "y", count: 1_000)
        runs = 0
        buffer.writeJSON(expectedBytes: 16) { writer in
            runs += 1
            JSONValue.string(long).encode(into: &writer)
        }
        #expect(runs > 1, "a 1002-byte string does not fit in the first 16 to 64 bytes of room")
        #expect(String(buffer: buffer) == #""small""# + "\"\(long)\"", "only the complete attempt is kept")
    }
}
