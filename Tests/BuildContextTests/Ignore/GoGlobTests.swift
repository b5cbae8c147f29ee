// Go's `filepath.Match` language, used to validate patterns and to expand follow-path wildcards.
import Testing

@testable import BuildContext

@Suite("GoGlob")
struct GoGlobTests {
  struct MatchCase: Sendable, CustomTestStringConvertible {
    var pattern: String
    var name: String
    var expected: Bool
    var testDescription: String { "\(self.pattern) ~ \(self.name)" }
  }

  static let matches: [MatchCase] = [
    MatchCase(pattern: "abc", name: "abc", expected: true),
    MatchCase(pattern: "*", name: "abc", expected: true),
    MatchCase(pattern: "*c", name: "abc", expected: true),
    MatchCase(pattern: "a*", name: "a", expected: true),
    MatchCase(pattern: "a*", name: "abc", expected: true),
    MatchCase(pattern: "a*", name: "ab/c", expected: false),
    MatchCase(pattern: "a*/b", name: "abc/b", expected: true),
    MatchCase(pattern: "a*/b", name: "a/c/b", expected: false),
    MatchCase(pattern: "a*b*c*d*e*/f", name: "axbxcxdxe/f", expected: true),
    MatchCase(pattern: "a*b*c*d*e*/f", name: "axbxcxdxexxx/f", expected: true),
    MatchCase(pattern: "a*b*c*d*e*/f", name: "axbxcxdxe/xxx/f", expected: false),
    MatchCase(pattern: "a*b*c*d*e*/f", name: "axbxcxdxexxx/fff", expected: false),
    MatchCase(pattern: "a*b?c*x", name: "abxbbxdbxebxczzx", expected: true),
    MatchCase(pattern: "a*b?c*x", name: "abxbbxdbxebxczzy", expected: false),
    MatchCase(pattern: "ab[c]", name: "abc", expected: true),
    MatchCase(pattern: "ab[b-d]", name: "abc", expected: true),
    MatchCase(pattern: "ab[e-g]", name: "abc", expected: false),
    MatchCase(pattern: "ab[^c]", name: "abc", expected: false),
    MatchCase(pattern: "ab[^b-d]", name: "abc", expected: false),
    MatchCase(pattern: "ab[^e-g]", name: "abc", expected: true),
    MatchCase(pattern: #"a\*b"#, name: "a*b", expected: true),
    MatchCase(pattern: #"a\*b"#, name: "ab", expected: false),
    MatchCase(pattern: "a?b", name: "a☺b", expected: true),
    MatchCase(pattern: "a[^a]b", name: "a☺b", expected: true),
    MatchCase(pattern: "a???b", name: "a☺b", expected: false),
    MatchCase(pattern: "[a-ζ]*", name: "α", expected: true),
    MatchCase(pattern: "*[a-ζ]", name: "A", expected: false),
    MatchCase(pattern: "a?b", name: "a/b", expected: false),
    MatchCase(pattern: "a*b", name: "a/b", expected: false),
    MatchCase(pattern: #"[\]a]"#, name: "]", expected: true),
    MatchCase(pattern: #"[\-]"#, name: "-", expected: true),
    MatchCase(pattern: #"[x\-]"#, name: "-", expected: true),
    MatchCase(pattern: #"[x\-]"#, name: "z", expected: false),
    MatchCase(pattern: #"[\-x]"#, name: "x", expected: true),
    MatchCase(pattern: "*x", name: "xxx", expected: true),
  ]

  @Test("matches like filepath.Match", arguments: Self.matches)
  func match(_ testCase: MatchCase) {
    #expect(GoGlob.isValid(testCase.pattern))
    #expect(GoGlob.matches(testCase.pattern, name: testCase.name) == testCase.expected)
  }

  @Test(
    "refuses malformed patterns, also after a part that cannot match",
    arguments: ["[]a]", "[-]", "[x-]", "[-x]", #"\"#, "[a-b-c]", "[", "[^", "[^bc", "a[", "x*[a-]"]
  )
  func malformed(_ pattern: String) {
    #expect(!GoGlob.isValid(pattern))
    #expect(!GoGlob.matches(pattern, name: "a"))
  }
}
