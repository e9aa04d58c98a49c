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

    @Test func anEncoderIsRunAgainOnlyWhenItDidNotFit() {
        var buffer = ByteBufferAllocator().buffer(capacity: 8)
        var runs = 0
        buffer.writeJSON(expectedBytes: 64) { writer in
            runs += 1
            JSONValue.string("small").encode(into: &writer)
        }
        #expect(runs == 1)
        buffer.writeJSON(expectedBytes: 16) { writer in
            runs += 1
            JSONValue.string(String(repeating: "y", count: 100)).encode(into: &writer)
        }
        #expect(runs == 4, "16 → 32 → 64 → 128 bytes of room")
        #expect(buffer.readableBytes == 7 + 102)
    }
}
