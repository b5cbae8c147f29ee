// The pattern table: each case states what moby/patternmatcher answers for a pattern list and a
// path. Every expected value here was checked against the Go package itself.
import Testing

@testable import BuildContext

/// One pattern-matcher expectation.
struct PatternCase: Sendable, CustomTestStringConvertible {
  enum Expected: Sendable {
    /// Both the direct check and the incremental walk give this answer.
    case matches(Bool)
    /// The direct check (`MatchesOrParentMatches`) and the walk (`MatchesUsingParentResults`)
    /// disagree, as they do in Go.
    case differs(direct: Bool, walk: Bool)
    /// The pattern list is refused.
    case invalid
  }

  var patterns: [String]
  var path: String
  var expected: Expected

  init(_ patterns: [String], _ path: String, _ expected: Expected) {
    self.patterns = patterns
    self.path = path
    self.expected = expected
  }

  var testDescription: String { "\(self.patterns) on \(self.path.debugDescription)" }

  /// Checks the case against ``PatternMatcher``.
  func verify() throws {
    guard case .invalid = self.expected else {
      let matcher = try PatternMatcher(patterns: self.patterns)
      let (direct, walk): (Bool, Bool)
      switch self.expected {
      case .matches(let value): (direct, walk) = (value, value)
      case .differs(let directValue, let walkValue): (direct, walk) = (directValue, walkValue)
      case .invalid: return
      }
      #expect(matcher.matches(self.path) == direct, "direct check")
      #expect(Self.walk(matcher, to: self.path) == walk, "walk with parent results")
      return
    }
    #expect {
      _ = try PatternMatcher(patterns: self.patterns)
    } throws: { error in
      (error as? ContextError)?.code == .invalidPattern
    }
  }

  /// Evaluates `path` the way a directory walk does: each parent first, handing results down.
  static func walk(_ matcher: PatternMatcher, to path: String) -> Bool {
    let segments = path.split(separator: "/", omittingEmptySubsequences: false)
    var results = PatternMatcher.ParentResults()
    var matched = false
    for end in segments.indices {
      (matched, results) = matcher.matches(
        segments[...end].joined(separator: "/"),
        parentResults: results
      )
    }
    return matched
  }
}

typealias Case = PatternCase

@Suite("PatternMatcher")
struct PatternMatcherTests {
  static let cases: [PatternCase] = [
    // Single wildcards stay inside one path segment; a match on a directory covers what is below it.
    Case([#"*"#], #"fileutils.go"#, .matches(true)),
    Case([#"*.go"#], #"fileutils.go"#, .matches(true)),
    Case([#"*.go"#], #"dir/fileutils.go"#, .matches(false)),
    Case([#"*/*.go"#], #"dir/fileutils.go"#, .matches(true)),
    Case([#"docs"#], #"docs/README.md"#, .matches(true)),
    Case([#"docs/"#], #"docs/README.md"#, .matches(true)),
    Case([#"docs/*"#], #"docs/README.md"#, .matches(true)),
    Case([#"docs/*"#], #"docs/sub/README.md"#, .matches(true)),
    // The last matching pattern decides; `!` re-includes.
    Case([#"docs"#, #"!docs/README.md"#], #"docs/README.md"#, .matches(false)),
    Case([#"docs/*"#, #"!docs/README.md"#], #"docs/README.md"#, .matches(false)),
    Case([#"*.go"#, #"!fileutils.go"#], #"fileutils.go"#, .matches(false)),
    Case([#"!fileutils.go"#, #"*.go"#], #"fileutils.go"#, .matches(true)),
    // `**` spans segments: alone, leading (suffix match), trailing (prefix match) and inside.
    Case([#"**"#], #"file"#, .matches(true)),
    Case([#"**"#], #"dir/file"#, .matches(true)),
    Case([#"**/"#], #"dir/file"#, .matches(true)),
    Case([#"dir/**"#], #"dir/file"#, .matches(true)),
    Case([#"dir/**"#], #"dir/dir2/file"#, .matches(true)),
    Case([#"dir/**"#], #"dir"#, .matches(false)),
    Case([#"**/dir"#], #"dir"#, .matches(true)),
    Case([#"**/dir"#], #"dir/file"#, .matches(true)),
    Case([#"**/dir"#], #"a/b/dir"#, .matches(true)),
    Case([#"**/dir"#], #"a/b/dir/c"#, .matches(true)),
    Case([#"**/dir2/*"#], #"dir/dir2/file"#, .matches(true)),
    Case([#"**/dir2/**"#], #"dir/dir2/dir3/file"#, .matches(true)),
    Case([#"**file"#], #"file"#, .matches(true)),
    Case([#"**file"#], #"dir/file"#, .matches(true)),
    Case([#"**file"#], #"dir/myfile"#, .matches(true)),
    Case([#"**/file"#], #"dir/myfile"#, .matches(false)),
    Case([#"**/file*"#], #"dir/dir/file.txt"#, .matches(true)),
    Case([#"**/*.txt"#], #"file.txt"#, .matches(true)),
    Case([#"**/**/*.txt"#], #"dir/dir/file.txt"#, .matches(true)),
    Case([#"**/**/*.txt2"#], #"dir/dir/file.txt"#, .matches(false)),
    Case([#"a**/*.txt"#], #"a/file.txt"#, .matches(true)),
    Case([#"a**/*.txt"#], #"a/dir/dir/file.txt"#, .matches(true)),
    Case([#"a**/*.txt"#], #"adir/file.txt"#, .matches(true)),
    Case([#"a**b"#], #"ab"#, .matches(true)),
    Case([#"a**b"#], #"ax/b"#, .matches(true)),
    Case([#"a**b"#], #"axb"#, .matches(false)),
    Case([#"a/*.txt"#], #"a/dir/file.txt"#, .matches(false)),
    Case([#"a/*.txt"#], #"a/file.txt"#, .matches(true)),
    Case([#"a/*.txt**"#], #"a/file.txt"#, .matches(true)),
    // Classes, `?`, and literal punctuation; `[!...]` is not a negation, `[^...]` is, and classes may match `/`.
    Case([#"a[b-d]e"#], #"ae"#, .matches(false)),
    Case([#"a[b-d]e"#], #"ace"#, .matches(true)),
    Case([#"a[^b-d]e"#], #"aze"#, .matches(true)),
    Case([#"a[^b-d]e"#], #"ace"#, .matches(false)),
    Case([#"a[!b-d]e"#], #"a!e"#, .matches(true)),
    Case([#"a[!b-d]e"#], #"aze"#, .matches(false)),
    Case([#"a[^x]b"#], #"a/b"#, .matches(true)),
    Case([#".*"#], #".foo"#, .matches(true)),
    Case([#".*"#], #"foo"#, .matches(false)),
    Case([#"abc.def"#], #"abcdef"#, .matches(false)),
    Case([#"abc.def"#], #"abc.def"#, .matches(true)),
    Case([#"abc?def"#], #"abcZdef"#, .matches(true)),
    Case([#"abc?def"#], #"abcdef"#, .matches(false)),
    Case([#"a?b"#], #"a/b"#, .matches(false)),
    Case([#"a*b"#], #"a/b"#, .matches(false)),
    Case([#"abc/**"#], #"abc"#, .matches(false)),
    Case([#"abc/**"#], #"abc/def"#, .matches(true)),
    Case([#"**/.foo"#], #".foo"#, .matches(true)),
    Case([#"**/.foo"#], #"bar.foo"#, .matches(false)),
    Case([#"**.foo"#], #"bar.foo"#, .matches(true)),
    Case([#"a(b)c/def"#], #"a(b)c/def"#, .matches(true)),
    Case(
      [#"dist/*.whl"#],
      #"dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"#,
      .matches(true)
    ),
    // Exceptions and re-excludes.
    Case([#"**"#, #"!util/docker/web"#], #"util/docker/web/foo"#, .matches(false)),
    Case(
      [#"**"#, #"!util/docker/web"#, #"util/docker/web/foo"#],
      #"util/docker/web/foo"#,
      .matches(true)
    ),
    // Backslash escapes, and Unicode treated as whole characters.
    Case([#"a\\"#], #"a\"#, .matches(true)),
    Case([#"a\*b"#], #"a*b"#, .matches(true)),
    Case([#"a\*b"#], #"axb"#, .matches(false)),
    Case([#"[\]a]"#], #"]"#, .matches(true)),
    Case([#"[\-]"#], #"-"#, .matches(true)),
    Case([#"[x\-]"#], #"x"#, .matches(true)),
    Case([#"[x\-]"#], #"z"#, .matches(false)),
    Case([#"[a-ζ]*"#], #"α"#, .matches(true)),
    Case([#"*[a-ζ]"#], #"A"#, .matches(false)),
    Case([#"a?b"#], #"a☺b"#, .matches(true)),
    Case([#"a???b"#], #"a☺b"#, .matches(false)),
    // Malformed patterns are refused.
    Case([#"["#], #"a"#, .invalid),
    Case([#"[^"#], #"a"#, .invalid),
    Case([#"a["#], #"a"#, .invalid),
    Case([#"[]a]"#], #"]"#, .invalid),
    Case([#"[-]"#], #"-"#, .invalid),
    Case([#"[x-]"#], #"x"#, .invalid),
    Case([#"[a-b-c]"#], #"a"#, .invalid),
    Case([#"\"#], #"a"#, .invalid),
    Case([#"!"#], #"a"#, .invalid),
    Case([#"[z-a]"#], #"a"#, .invalid),
    // The translated regex gives some text regex meaning: POSIX classes, `\\d`, a raw `|` (which makes `...|$` match everything), `{n}` counts, `^`, and `\\x41`.
    Case([#"[[:digit:]]"#], #"5"#, .matches(true)),
    Case([#"[[:digit:]]"#], #"["#, .matches(false)),
    Case([#"[[:digit:]"#], #"5"#, .invalid),
    Case([#"\d"#], #"5"#, .matches(true)),
    Case([#"\d"#], #"d"#, .matches(false)),
    Case([#"\.|"#], #"anything"#, .matches(true)),
    Case([#"a|b"#], #"b"#, .matches(false)),
    Case([#"a{2}"#], #"a{2}"#, .matches(true)),
    Case([#"*{2}"#], #"ab"#, .invalid),
    Case([#"\x41"#], #"A"#, .matches(true)),
    // Case-sensitive; patterns are trimmed and cleaned, a leading `/` is not removed, and `!` is split off after cleaning.
    Case([#"Dockerfile"#], #"dockerfile"#, .matches(false)),
    Case([#"Dockerfile"#], #"Dockerfile"#, .matches(true)),
    Case([#"  spaced  "#], #"spaced"#, .matches(true)),
    Case([#"./a/../b/"#], #"b"#, .matches(true)),
    Case([#"/abs"#], #"abs"#, .matches(false)),
    Case([#"!./foo"#], #"foo"#, .matches(false)),
    // Typical .dockerignore lists.
    Case([#"*.log"#, #"!important.log"#], #"important.log"#, .matches(false)),
    Case([#"*.log"#, #"!important.log"#], #"debug.log"#, .matches(true)),
    Case([#"node_modules"#], #"node_modules/pkg/index.js"#, .matches(true)),
    Case([#"**/node_modules"#], #"a/node_modules/pkg/index.js"#, .matches(true)),
    // The walk (parent results) and the direct check differ when an exception matches only a parent.
    Case([#"a/b"#, #"!a"#], #"a/b/c"#, .differs(direct: false, walk: true)),
    // A user `[` can swallow the `[^/` that `*` and `?` become.
    Case([#"*[*]"#], #"x]"#, .matches(true)),
    Case([#"[*]"#], #"x]"#, .matches(false)),
    Case([#"[?]"#], #"]"#, .matches(false)),
    Case([#"é"#], #"é"#, .matches(true)),
    Case([#"*"#], #"a/é"#, .matches(true)),
    Case([#"[*]"#], #"]"#, .matches(true)),
    Case([#"[*]"#], #"[]"#, .matches(true)),
    Case([#"[?]"#], #"[]"#, .matches(true)),
    // More combinations.
    Case([#"**/*.go"#, #"!vendor/**"#], #"vendor/x.go"#, .matches(false)),
    Case([#"a/b"#, #"!a"#], #"a/b"#, .differs(direct: false, walk: true)),
    Case([#"\b+|/"#], #"a.b_"#, .matches(true)),
    Case([#"[[:alpha:]]x"#], #"ax"#, .matches(true)),
    Case([#"[[:^alpha:]]x"#], #"1x"#, .matches(true)),
    Case([#"x{1,2}"#], #"xx"#, .matches(false)),
    Case([#"**/x{1,2}"#], #"a/xx"#, .matches(false)),
    Case([#"[a-c]{2}"#], #"ab"#, .matches(true)),
    Case([#"[a-c]{2}"#], #"abc"#, .matches(false)),
    Case([#"\Qa.b\E"#], #"a.b"#, .matches(false)),
    Case([#"*^x"#], #"x"#, .matches(true)),
    Case([#"a^b"#], #"a^b"#, .matches(true)),
    Case([#"a*^b"#], #"ab"#, .matches(false)),
  ]

  @Test("matches like moby/patternmatcher", arguments: Self.cases)
  func table(_ testCase: PatternCase) throws {
    try testCase.verify()
  }

  @Test("reports the cleaned patterns with their exception marks")
  func cleanedPatterns() throws {
    let matcher = try PatternMatcher(patterns: ["  docs/ ", "", "!docs//README.md", "./a/../b"])
    #expect(matcher.patterns == ["docs", "!docs/README.md", "b"])
    #expect(matcher.hasExclusions)
    #expect(try PatternMatcher(patterns: ["", "  "]).isEmpty)
  }

  @Test("names the malformed pattern in the error")
  func errorNamesPattern() {
    #expect {
      _ = try PatternMatcher(patterns: ["ok", "src/[a-"])
    } throws: { error in
      guard let error = error as? ContextError else { return false }
      return error.code == .invalidPattern && error.message.contains("src/[a-")
    }
  }

  @Test("matches exactly without looking at parents")
  func exactMatching() throws {
    let matcher = try PatternMatcher(patterns: ["docs"])
    #expect(matcher.matchesExactly("docs"))
    #expect(!matcher.matchesExactly("docs/README.md"))
    #expect(matcher.matches("docs/README.md"))
  }
}
