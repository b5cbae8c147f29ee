import BuildKit
import Testing

@Suite("Google well-known messages")
struct GoogleMessagesTests {
  @Test("a timestamp encodes seconds as field 1 and nanos as field 2, negatives included")
  func timestampBytes() throws {
    #expect(Google.Timestamp(seconds: 1, nanos: 2).encoded() == bytes("08 01 10 02"))
    #expect(
      try roundTripped(Google.Timestamp(seconds: -62_135_596_800, nanos: 999_999_999)).seconds
        == -62_135_596_800
    )
  }

  @Test("a rich status with JSON details encodes as BuildKit's trailer does")
  func statusBytes() throws {
    let status = Google.RPCStatus(
      code: 2,
      message: "x",
      details: [Google.Any(typeURL: "t", value: Array("{}".utf8))]
    )
    let expected = bytes("08 02 12 01 78 1A 07 0A 01 74 12 02 7B 7D")

    #expect(status.encoded() == expected)
    #expect(try Google.RPCStatus(decoding: expected) == status)
  }
}
