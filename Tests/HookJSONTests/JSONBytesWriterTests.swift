import HookJSON
import Testing

@Suite("JSONBytesWriter")
struct JSONBytesWriterTests {
    @Test("writes the same bytes as encoding into an array when the room suffices")
    func sameBytes() {
        let value: JSONValue = ["a": [1, -2.5, "é\n\"", .null, true], "b": ["c": 9_223_372_036_854_775_807]]
        var room = [UInt8](repeating: 0, count: 256)
        let written = room.withUnsafeMutableBytes { raw -> Int in
            var writer = JSONBytesWriter(room: raw)
            value.encode(into: &writer)
            #expect(!writer.overflowed)
            return writer.count
        }
        #expect(Array(room[..<written]) == value.encoded())
    }

    @Test("never writes past its room, and says so", arguments: [0, 1, 7, 30])
    func overflow(roomSize: Int) {
        var memory = [UInt8](repeating: 0xAA, count: roomSize + 8)
        memory.withUnsafeMutableBytes { raw in
            var writer = JSONBytesWriter(room: UnsafeMutableRawBufferPointer(rebasing: raw[..<roomSize]))
            JSONValue.string(String(repeating: "x", count: 40)).encode(into: &writer)
            #expect(writer.overflowed)
            #expect(writer.count <= roomSize)
        }
        #expect(memory[roomSize...].allSatisfy { $0 == 0xAA }, "the bytes after the room are untouched")
    }
}
