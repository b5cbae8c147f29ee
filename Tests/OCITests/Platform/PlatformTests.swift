import Foundation
import OCI
import Testing

@Suite("Platform")
struct PlatformTests {
  static let cases: [(input: String, normalized: String)] = [
    ("linux/amd64", "linux/amd64"),
    ("linux/x86_64", "linux/amd64"),
    ("linux/x86-64", "linux/amd64"),
    ("linux/amd64/v1", "linux/amd64"),
    ("linux/amd64/v3", "linux/amd64/v3"),
    ("linux/arm64/v8", "linux/arm64"),
    ("linux/aarch64", "linux/arm64"),
    ("linux/aarch64/8", "linux/arm64"),
    ("linux/arm64/v9.0", "linux/arm64/v9"),
    ("linux/arm", "linux/arm/v7"),
    ("linux/arm/7", "linux/arm/v7"),
    ("linux/arm/v6", "linux/arm/v6"),
    ("linux/armhf", "linux/arm/v7"),
    ("linux/armel", "linux/arm/v6"),
    ("linux/i386", "linux/386"),
    ("Linux/AMD64", "linux/amd64"),
    ("windows/amd64", "windows/amd64"),
    ("linux/riscv64", "linux/riscv64"),
    ("linux/s390x", "linux/s390x"),
    ("arm64", "linux/arm64"),
  ]

  @Test("platform strings parse and normalise the way containerd normalises them", arguments: cases)
  func parses(input: String, normalized: String) throws {
    #expect(try Platform(parsing: input).description == normalized)
  }

  @Test("linux/arm64/v8 and linux/arm64 are the same platform")
  func arm64DefaultVariant() throws {
    let explicit = try Platform(parsing: "linux/arm64/v8")
    #expect(explicit == (try Platform(parsing: "linux/arm64")))
    #expect(explicit.variant == nil)
  }

  @Test("an operating system alone gets this machine's architecture")
  func osOnly() throws {
    let platform = try Platform(parsing: "linux")
    #expect(platform.os == "linux")
    #expect(platform.architecture == Platform.current.architecture)
  }

  @Test(
    "malformed platform strings are refused with a message that quotes them",
    arguments: ["", "/", "linux/", "/amd64", "linux/amd64/v8/extra", "linux/am d64", "linux//v7"])
  func refuses(input: String) {
    let error = #expect(throws: OCIError.self) { try Platform(parsing: input) }
    #expect(error?.code == .invalidPlatform)
    #expect(error?.message.contains("\"\(input)\"") == true)
  }

  @Test("a platform encodes with the OCI field names, including os.version and os.features")
  func json() throws {
    let platform = Platform(
      os: "windows", architecture: "amd64", osVersion: "10.0.17763.1", osFeatures: ["win32k"])
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let text = String(decoding: try encoder.encode(platform), as: UTF8.self)
    #expect(
      text
        == #"{"architecture":"amd64","os":"windows","os.features":["win32k"],"os.version":"10.0.17763.1"}"#
    )
    let decoded = try JSONDecoder().decode(
      Platform.self, from: Data(#"{"architecture":"arm","os":"linux","variant":"v7"}"#.utf8))
    #expect(decoded == Platform(os: "linux", architecture: "arm", variant: "v7"))
  }
}
