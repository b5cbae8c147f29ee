import CBuildKitProtos
import Testing

@testable import BuildKit

@Suite("Decoding through protobuf-c")
struct ProtobufCToolkitTests {
  @Test(
    "bytes that are not a protobuf message fail with malformedMessage",
    arguments: [
      "FF FF FF",  // a varint that never ends
      "0A 05 61",  // a length beyond the end
      "08 01",  // field 1 is a string, not a varint
      "0F",  // wire type 7 does not exist
      "00",  // field number 0 does not exist
    ]
  )
  func garbage(hex: String) {
    #expect {
      _ = try Control.SolveRequest(decoding: bytes(hex))
    } throws: { error in
      (error as? BuildKitError)?.code == .malformedMessage
    }
  }

  @Test("the error names the message type and the length")
  func errorMessage() {
    do {
      _ = try FSUtil.Packet(decoding: bytes("FF FF FF"))
      Issue.record("decoding garbage succeeded")
    } catch {
      #expect(error.message.contains("fsutil.types.Packet"))
      #expect(error.message.contains("3 bytes"))
    }
  }

  @Test("an empty buffer, with or without a base address, is the all-default message")
  func emptyBuffers() throws {
    let empty = UnsafeRawBufferPointer(start: nil, count: 0)

    #expect(try FSUtil.Packet(decoding: empty) == FSUtil.Packet())
    #expect(try Control.SolveRequest(decoding: []) == Control.SolveRequest())
    #expect(try [UInt8]().withUnsafeBytes { try LLB.Op(decoding: $0) } == LLB.Op())
  }

  @Test("all-default messages encode to zero bytes")
  func defaultsAreEmpty() {
    #expect(Control.SolveRequest().encoded().isEmpty)
    #expect(Control.StatusResponse().encoded().isEmpty)
    #expect(LLB.Definition().encoded().isEmpty)
    #expect(FSUtil.Stat().encoded().isEmpty)
    #expect(Google.RPCStatus().encoded().isEmpty)
  }

  @Test("strings keep non-ASCII text and empty map keys and values")
  func stringContents() throws {
    let request = Control.SolveRequest(
      ref: "ビルド-1",
      frontendAttrs: ["": "", "label:emoji": "🐳", "build-arg:EMPTY": ""]
    )

    #expect(try roundTripped(request) == request)
  }

  @Test("the arena copies strings NUL-terminated and byte arrays exactly")
  func arenaCopies() {
    CArena.with { arena in
      let text = arena.string("héllo")
      let data = arena.bytes([1, 2, 3])
      let empty = arena.bytes([])

      #expect(String(cString: text) == "héllo")
      #expect(Array(UnsafeBufferPointer(start: data.data, count: data.len)) == [1, 2, 3])
      #expect(empty.len == 0 && empty.data == nil)
    }
  }
}
