import Testing

@testable import BuildKitCLI

@Suite("Byte sizes, durations and tables")
struct FormattingTests {
  @Test(
    "sizes print in decimal units like buildctl",
    arguments: [
      (Int64(0), "0B"), (68, "68B"), (999, "999B"), (1000, "1kB"), (1_234_567, "1.23MB"),
      (4100, "4.10kB"),
      (26_000_000_000, "26GB"),
    ]
  )
  func formatsSizes(bytes: Int64, expected: String) {
    #expect(ByteSize.format(bytes) == expected)
  }

  @Test(
    "durations parse the way Go writes them",
    arguments: [("24h", Int64(86_400)), ("1h30m", 5_400), ("90s", 90), ("0", 0), ("1.5h", 5_400)]
  )
  func parsesDurations(text: String, seconds: Int64) {
    #expect(GoDuration.parse(text) == .seconds(seconds))
  }

  @Test("malformed durations are rejected", arguments: ["", "abc", "10", "5x", "h"])
  func rejectsDurations(text: String) {
    #expect(GoDuration.parse(text) == nil)
  }

  @Test("durations format like Go's time.Duration")
  func formatsDurations() {
    #expect(GoDuration.format(nanoseconds: 172_800 * 1_000_000_000) == "48h0m0s")
    #expect(GoDuration.format(nanoseconds: 90 * 1_000_000_000) == "1m30s")
    #expect(GoDuration.format(nanoseconds: 0) == "0s")
  }

  @Test("table columns are as wide as their widest cell")
  func alignsTables() {
    var table = Table()
    table.append(["ID", "PLATFORMS"])
    table.append(["abcdef", "linux/amd64"])
    #expect(table.rendered == "ID       PLATFORMS\nabcdef   linux/amd64")
  }
}
