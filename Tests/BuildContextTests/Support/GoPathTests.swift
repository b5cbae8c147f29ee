// Go's lexical path cleaning, which every pattern and path goes through.
import Testing

@testable import BuildContext

@Suite("GoPath")
struct GoPathTests {
  static let cleanCases: [(String, String)] = [
    ("", "."), ("abc", "abc"), ("abc/def", "abc/def"), ("a/b/c/", "a/b/c"), (".", "."),
    ("..", ".."),
    ("../..", "../.."), ("../../abc", "../../abc"), ("/abc", "/abc"), ("/", "/"), ("abc/", "abc"),
    ("/abc/", "/abc"), ("abc//def//ghi", "abc/def/ghi"), ("//abc", "/abc"), ("///abc", "/abc"),
    ("//abc//", "/abc"), ("abc//", "abc"), ("abc/./def", "abc/def"), ("/./abc/def", "/abc/def"),
    ("abc/.", "abc"), ("./", "."), ("abc/def/ghi/../jkl", "abc/def/jkl"),
    ("abc/def/../ghi/../jkl", "abc/jkl"), ("abc/def/..", "abc"), ("abc/def/../..", "."),
    ("/abc/def/../..", "/"), ("abc/def/../../..", ".."), ("/abc/def/../../..", "/"),
    ("abc/def/../../../ghi/jkl/../../../mno", "../../mno"), ("abc/./../def", "def"),
    ("abc//./../def", "def"), ("abc/../../././../def", "../../def"), ("/..", "/"),
    ("é//ü/./", "é/ü"),
  ]

  @Test("cleans paths like Go's path.Clean", arguments: Self.cleanCases)
  func clean(_ input: String, _ expected: String) {
    #expect(GoPath.clean(input) == expected)
  }

  @Test("splits and joins like Go's path package")
  func dirBaseJoin() {
    #expect(GoPath.dir("a/b/c") == "a/b")
    #expect(GoPath.dir("a") == ".")
    #expect(GoPath.dir("/a") == "/")
    #expect(GoPath.base("a/b/c/") == "c")
    #expect(GoPath.base("/") == "/")
    #expect(GoPath.join(".", "") == ".")
    #expect(GoPath.join("/", "x/../../y") == "/y")
    #expect(GoPath.join("a", "b/c", "../d") == "a/b/d")
  }

  @Test("trims white space like Go's strings.TrimSpace")
  func trimSpace() {
    #expect(GoText.trimmingSpace(" \t\u{85}\u{A0}x y\u{3000}\n") == "x y")
    #expect(GoText.trimmingSpace(" \t ") == "")
  }
}
