import GRPC
import Testing

@Suite("Address")
struct AddressTests {
  @Test(
    "parses the addresses buildctl accepts",
    arguments: [
      ("unix:///run/buildkit/buildkitd.sock", Address.unix(path: "/run/buildkit/buildkitd.sock")),
      ("unix://relative.sock", Address.unix(path: "relative.sock")),
      ("tcp://127.0.0.1:1234", Address.tcp(host: "127.0.0.1", port: 1234)),
      ("tcp://buildkitd.example:443/", Address.tcp(host: "buildkitd.example", port: 443)),
      ("tcp://[::1]:8080", Address.tcp(host: "::1", port: 8080)),
    ]
  )
  func parsesValidAddresses(text: String, expected: Address) throws {
    #expect(try Address(parsing: text) == expected)
    #expect(try Address(parsing: expected.description) == expected)
  }

  @Test(
    "rejects malformed addresses with a message naming them",
    arguments: [
      "", "unix://", "tcp://host", "tcp://:80", "tcp://host:0", "tcp://h:99999", "http://h:1",
    ]
  )
  func rejectsMalformedAddresses(text: String) {
    #expect {
      try Address(parsing: text)
    } throws: { error in
      guard let error = error as? GRPCError else { return false }
      return error.code == .invalidAddress && error.message.contains("\"\(text)\"")
    }
  }
}
