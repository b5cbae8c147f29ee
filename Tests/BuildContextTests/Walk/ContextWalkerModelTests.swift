// The walker against a plain model of fsutil's filter: list every path of the tree in order, keep
// those that pass both matchers, and add the parents of kept paths. Pruning and lazy parents must
// not change the result.
import Testing

@testable import BuildContext

@Suite("ContextWalker against a model of the filter")
struct ContextWalkerModelTests {
  static let names = ["a", "b", "src", "x.go", "ax", "node_modules", "é"]
  static let segments = [
    "a", "b", "src", "*", "**", "*.go", "?", "[ab]", "x*", "node_modules", "é",
  ]

  /// Every path of a tree, depth first, siblings in byte order, with whether it is a directory.
  static func allPaths(_ tree: [String: Bool]) -> [(path: String, isDirectory: Bool)] {
    tree.keys.sorted { left, right in
      // Depth-first byte order: compare segment by segment.
      let l = left.split(separator: "/").map { Array($0.utf8) }
      let r = right.split(separator: "/").map { Array($0.utf8) }
      for (a, b) in zip(l, r) where a != b { return a.lexicographicallyPrecedes(b) }
      return l.count < r.count
    }.map { ($0, tree[$0]!) }
  }

  static func randomPatterns(_ random: inout SplitMix, exceptions: Bool) -> [String] {
    (0..<(random.next(upTo: 3) + 1)).map { _ in
      let pattern = (0..<(random.next(upTo: 3) + 1)).map { _ in
        Self.segments[random.next(upTo: Self.segments.count)]
      }.joined(separator: "/")
      return exceptions && random.next(upTo: 3) == 0 ? "!" + pattern : pattern
    }
  }

  @Test("emits exactly the kept paths and their parents (randomized, fixed seed)")
  func model() throws {
    var random = SplitMix(seed: 0xF11E)
    var filtered = 0
    var nonEmpty = 0
    for _ in 0..<120 {
      try TemporaryDirectory.with { root in
        // A random tree: directories are the prefixes of random file paths.
        var tree: [String: Bool] = [:]
        for _ in 0..<12 {
          let depth = random.next(upTo: 3) + 1
          let parts = (0..<depth).map { _ in Self.names[random.next(upTo: Self.names.count)] }
          let path = parts.joined(separator: "/")
          // Skip paths that would turn an existing file into a directory or the reverse.
          let clashes = tree.keys.contains { path.hasPrefix($0 + "/") && tree[$0] == false }
          guard tree[path] == nil, !clashes else { continue }
          for end in 1..<parts.count { tree[parts[..<end].joined(separator: "/")] = true }
          tree[path] = false
          try root.file(path)
        }

        let include =
          random.next(upTo: 2) == 0 ? [] : Self.randomPatterns(&random, exceptions: false)
        let exclude = Self.randomPatterns(&random, exceptions: true)
        guard let includeMatcher = try? PatternMatcher(patterns: include),
          let excludeMatcher = try? PatternMatcher(patterns: exclude)
        else { return }

        var expected: [String] = []
        var kept: Set<String> = []
        for (path, _) in Self.allPaths(tree) {
          let included = include.isEmpty || PatternCase.walk(includeMatcher, to: path)
          if included, !PatternCase.walk(excludeMatcher, to: path) { kept.insert(path) }
        }
        for (path, _) in Self.allPaths(tree)
        where kept.contains(path) || kept.contains(where: { $0.hasPrefix(path + "/") }) {
          expected.append(path)
        }

        let options = WalkOptions(includePatterns: include, excludePatterns: exclude)
        let actual = try ContextWalker.entries(in: root.path, options: options).map(\.path)
        #expect(actual == expected, "include \(include) exclude \(exclude)")
        if expected.count < tree.count { filtered += 1 }
        if !expected.isEmpty { nonEmpty += 1 }
      }
    }
    // The table must exercise both filtering and emission, not just one of them.
    #expect(filtered > 40)
    #expect(nonEmpty > 40)
  }
}
