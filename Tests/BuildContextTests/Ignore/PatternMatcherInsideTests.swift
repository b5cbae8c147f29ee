// Whether a walk may skip a directory: `mayMatchInside` (exceptions) and `mayIncludeInside`
// (plain patterns) must never say "no" when something below the directory would be kept.
import Testing

@testable import BuildContext

@Suite("PatternMatcher directory pruning")
struct PatternMatcherInsideTests {
  struct InsideCase: Sendable, CustomTestStringConvertible {
    var patterns: [String]
    var directory: String
    var expected: Bool
    var testDescription: String { "\(self.patterns) inside \(self.directory)" }
  }

  static let exceptionCases: [InsideCase] = [
    InsideCase(patterns: ["node_modules"], directory: "node_modules", expected: false),
    InsideCase(
      patterns: ["node_modules", "!node_modules/keep"],
      directory: "node_modules",
      expected: true
    ),
    InsideCase(
      patterns: ["node_modules", "!node_modules/keep"],
      directory: "other",
      expected: false
    ),
    InsideCase(patterns: ["dir", "!dir/sub/**"], directory: "dir", expected: true),
    InsideCase(patterns: ["dir", "!dir/sub/**"], directory: "dir/sub", expected: true),
    InsideCase(patterns: ["dir", "!dir/sub/**"], directory: "dir/other", expected: false),
    InsideCase(patterns: ["*", "!*.go"], directory: "src", expected: false),
    InsideCase(patterns: ["*", "!**/*.go"], directory: "src", expected: true),
    InsideCase(patterns: ["*", "!src/*.go"], directory: "src", expected: true),
    InsideCase(patterns: ["*", "!src/*.go"], directory: "srcx", expected: false),
    InsideCase(patterns: ["**", "!a/b/c"], directory: "a/b", expected: true),
    InsideCase(patterns: ["**", "!a/b/c"], directory: "a/x", expected: false),
  ]

  @Test(
    "knows when an exception can reach inside an excluded directory",
    arguments: Self.exceptionCases
  )
  func exceptions(_ testCase: InsideCase) throws {
    let matcher = try PatternMatcher(patterns: testCase.patterns)
    #expect(matcher.mayMatchInside(directory: testCase.directory) == testCase.expected)
  }

  static let includeCases: [InsideCase] = [
    InsideCase(patterns: ["a/b/c"], directory: "a", expected: true),
    InsideCase(patterns: ["a/b/c"], directory: "a/b", expected: true),
    InsideCase(patterns: ["a/b/c"], directory: "x", expected: false),
    InsideCase(patterns: ["a/b/c"], directory: "a/x", expected: false),
    InsideCase(patterns: ["a/*/c"], directory: "a/zz", expected: true),
    InsideCase(patterns: ["a/*/c"], directory: "b/zz", expected: false),
    InsideCase(patterns: ["**/Dockerfile"], directory: "deep/er", expected: true),
    InsideCase(
      patterns: ["Dockerfile", "Dockerfile.dockerignore"],
      directory: "sub",
      expected: false
    ),
  ]

  @Test("knows when an include pattern can reach inside a directory", arguments: Self.includeCases)
  func includes(_ testCase: InsideCase) throws {
    let matcher = try PatternMatcher(patterns: testCase.patterns)
    #expect(matcher.mayIncludeInside(directory: testCase.directory) == testCase.expected)
  }

  @Test("never prunes a directory that holds a kept path (randomized, fixed seed)")
  func soundness() throws {
    var random = SplitMix(seed: 0x5EED)
    let tokens = ["a", "b", "*", "**", "?", "/", "[ab]", "[^a]", "x", ".go", "!"]
    let names = ["a", "b", "x", "ab", "a.go", "ba"]
    var checked = 0

    for _ in 0..<3000 {
      let patterns = (0..<random.next(upTo: 3) + 1).map { _ in
        (0..<random.next(upTo: 4) + 1).map { _ in tokens[random.next(upTo: tokens.count)] }.joined()
      }
      guard let matcher = try? PatternMatcher(patterns: patterns) else { continue }
      let directory = (0..<random.next(upTo: 2) + 1).map { _ in
        names[random.next(upTo: names.count)]
      }
      .joined(separator: "/")
      let directoryMatched = PatternCase.walk(matcher, to: directory)

      for _ in 0..<8 {
        let below = (0..<random.next(upTo: 3) + 1).map { _ in names[random.next(upTo: names.count)]
        }
        let path = directory + "/" + below.joined(separator: "/")
        let pathMatched = PatternCase.walk(matcher, to: path)
        if directoryMatched, !pathMatched {
          #expect(matcher.mayMatchInside(directory: directory), "\(patterns) re-includes \(path)")
          checked += 1
        }
        if !directoryMatched, pathMatched {
          #expect(matcher.mayIncludeInside(directory: directory), "\(patterns) includes \(path)")
          checked += 1
        }
      }
    }
    #expect(checked > 100)
  }
}

/// A small deterministic random generator (SplitMix64).
struct SplitMix {
  var state: UInt64

  init(seed: UInt64) {
    self.state = seed
  }

  mutating func next(upTo bound: Int) -> Int {
    self.state &+= 0x9E37_79B9_7F4A_7C15
    var value = self.state
    value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
    value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
    value ^= value >> 31
    return Int(value % UInt64(bound))
  }
}
