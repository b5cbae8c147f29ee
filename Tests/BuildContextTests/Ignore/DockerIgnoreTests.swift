// Parsing `.dockerignore` text into the exclude patterns BuildKit's frontend sends.
import Testing

@testable import BuildContext

@Suite("DockerIgnore")
struct DockerIgnoreTests {
  @Test("reads patterns, drops comments and blank lines, and cleans paths")
  func typicalFile() {
    let text = """
      test1
      /test2
      /a/file/here

      lastfile
      # this is a comment
      ! /inverted/abs/path
      !
      ! 
      """
    #expect(
      DockerIgnore.parse(text) == [
        "test1", "test2", "a/file/here", "lastfile", "!inverted/abs/path", "!", "!",
      ]
    )
  }

  struct LineCase: Sendable, CustomTestStringConvertible {
    var text: String
    var expected: [String]
    var testDescription: String { self.text.debugDescription }
  }

  static let lines: [LineCase] = [
    LineCase(text: "  # indented hash is a pattern", expected: ["# indented hash is a pattern"]),
    LineCase(text: "#comment\n#another", expected: []),
    LineCase(text: "a//b/../c/", expected: ["a/c"]),
    LineCase(text: "./node_modules", expected: ["node_modules"]),
    LineCase(text: "/", expected: ["/"]),
    LineCase(text: "\t*.log  \r\n", expected: ["*.log"]),
    LineCase(text: "one\r\ntwo\r\n", expected: ["one", "two"]),
    LineCase(text: "!  keep/this/ ", expected: ["!keep/this"]),
    LineCase(text: "../outside", expected: ["../outside"]),
    LineCase(text: "**/*.pyc\n!**/keep.pyc", expected: ["**/*.pyc", "!**/keep.pyc"]),
    LineCase(text: "last line without newline", expected: ["last line without newline"]),
    LineCase(text: "", expected: []),
  ]

  @Test("parses lines as the frontend does", arguments: Self.lines)
  func line(_ testCase: LineCase) {
    #expect(DockerIgnore.parse(testCase.text) == testCase.expected)
  }

  @Test("ignores a byte order mark at the start of the file only")
  func byteOrderMark() {
    let bytes: [UInt8] =
      [0xEF, 0xBB, 0xBF] + Array("first\n".utf8) + [0xEF, 0xBB, 0xBF] + Array("x".utf8)
    #expect(DockerIgnore.parse(bytes) == ["first", "\u{FEFF}x"])
  }

  @Test("produces patterns the matcher accepts and applies")
  func roundTripIntoMatcher() throws {
    let patterns = DockerIgnore.parse("node_modules\n*.log\n!important.log\n")
    let matcher = try PatternMatcher(patterns: patterns)
    #expect(matcher.matches("node_modules/x/y.js"))
    #expect(matcher.matches("debug.log"))
    #expect(!matcher.matches("important.log"))
    #expect(!matcher.matches("src/main.swift"))
  }
}
