// Include patterns, exclude patterns and follow-paths, and what the walker opens.
import Testing

@testable import BuildContext

@Suite("ContextWalker filters")
struct ContextWalkerFilterTests {
  /// Walks `root` and returns the emitted paths and the directories the walker opened.
  static func walk(
    _ root: TemporaryDirectory,
    _ options: WalkOptions
  ) throws -> (paths: [String], opened: [String]) {
    let walker = try ContextWalker(root: root.path, options: options)
    var opened: [String] = []
    walker.directoryOpenObserver = { opened.append($0) }
    var entries: [ContextEntry] = []
    try walker.forEachEntry { entries.append($0) }
    #expect(WalkOrderValidator.violation(in: entries) == nil)
    return (entries.map(\.path), opened)
  }

  static func makeProject(_ root: TemporaryDirectory) throws {
    try root.file("Dockerfile")
    try root.file("src/main.go")
    try root.file("src/util.go")
    try root.file("src/notes.txt")
    try root.file("node_modules/pkg/index.js")
    try root.file("node_modules/keep/README.md")
    try root.file("logs/debug.log")
    try root.file("logs/important.log")
    try root.file("docs/guide/intro.md")
  }

  @Test("drops excluded paths and never opens excluded directories")
  func excludes() throws {
    try TemporaryDirectory.with { root in
      try Self.makeProject(root)
      let (paths, opened) = try Self.walk(
        root,
        WalkOptions(excludePatterns: ["node_modules", "docs", "**/*.txt", "*.md"])
      )
      #expect(
        paths == [
          "Dockerfile", "logs", "logs/debug.log", "logs/important.log", "src", "src/main.go",
          "src/util.go",
        ]
      )
      #expect(!opened.contains("node_modules"))
      #expect(!opened.contains("docs"))
    }
  }

  @Test("re-includes with exceptions and emits their parents lazily")
  func exceptions() throws {
    try TemporaryDirectory.with { root in
      try Self.makeProject(root)
      let options = WalkOptions(excludePatterns: [
        "node_modules", "!node_modules/keep", "logs/*.log", "!logs/important.log",
      ])
      let (paths, opened) = try Self.walk(root, options)
      #expect(
        paths == [
          "Dockerfile", "docs", "docs/guide", "docs/guide/intro.md", "logs", "logs/important.log",
          "node_modules", "node_modules/keep", "node_modules/keep/README.md", "src", "src/main.go",
          "src/notes.txt", "src/util.go",
        ]
      )
      #expect(opened.contains("node_modules"))
      #expect(!opened.contains("node_modules/pkg"))
    }
  }

  @Test("omits an excluded directory whose exception matches nothing")
  func lazyParentsOnlyWhenNeeded() throws {
    try TemporaryDirectory.with { root in
      try Self.makeProject(root)
      let options = WalkOptions(excludePatterns: ["node_modules", "!node_modules/missing.txt"])
      let (paths, _) = try Self.walk(root, options)
      #expect(!paths.contains("node_modules"))
    }
  }

  @Test("keeps only included paths, their parents, and what is below them")
  func includes() throws {
    try TemporaryDirectory.with { root in
      try Self.makeProject(root)
      let (paths, opened) = try Self.walk(
        root,
        WalkOptions(includePatterns: ["src/*.go", "docs/guide"])
      )
      #expect(
        paths == ["docs", "docs/guide", "docs/guide/intro.md", "src", "src/main.go", "src/util.go"]
      )
      #expect(!opened.contains("node_modules"))
      #expect(!opened.contains("logs"))
    }
  }

  @Test("keeps an included directory even when all of its contents are excluded")
  func includesAndExcludes() throws {
    try TemporaryDirectory.with { root in
      try Self.makeProject(root)
      let options = WalkOptions(
        includePatterns: ["src", "logs"],
        excludePatterns: ["**/*.log", "src/util.go"]
      )
      let (paths, _) = try Self.walk(root, options)
      #expect(paths == ["logs", "src", "src/main.go", "src/notes.txt"])
    }
  }

  @Test("follows symlinked files and directories named in follow-paths")
  func followPaths() throws {
    try TemporaryDirectory.with { root in
      try Self.makeProject(root)
      try root.file("build/Dockerfile.real")
      try root.symlink("Dockerfile.link", to: "build/Dockerfile.real")
      try root.file("real/conf/app.yml")
      try root.symlink("conf", to: "real/conf")
      try root.symlink("absolute", to: "/src")

      let options = WalkOptions(followPaths: [
        "Dockerfile.link", "conf/app.yml", "absolute/main.go",
      ])
      let (paths, _) = try Self.walk(root, options)
      #expect(
        paths == [
          "Dockerfile.link", "absolute", "build", "build/Dockerfile.real", "conf", "real",
          "real/conf", "real/conf/app.yml", "src", "src/main.go",
        ]
      )
    }
  }

  @Test("expands a wildcard in the last follow-path component and survives link loops")
  func followPathWildcardsAndLoops() throws {
    try TemporaryDirectory.with { root in
      try root.file("target/file")
      try root.file("Dockerfile")
      try root.symlink("Dockerfile.alt", to: "target/file")
      try root.symlink("loop1", to: "loop2")
      try root.symlink("loop2", to: "loop1")
      try root.file("unrelated")

      let (paths, _) = try Self.walk(root, WalkOptions(followPaths: ["Dockerfile*", "loop1/x"]))
      #expect(paths == ["Dockerfile", "Dockerfile.alt", "loop1", "loop2", "target", "target/file"])
    }
  }

  @Test("treats a follow-path of the root as no include filter")
  func followRoot() throws {
    try TemporaryDirectory.with { root in
      try Self.makeProject(root)
      let all = try Self.walk(root, WalkOptions()).paths
      #expect(try Self.walk(root, WalkOptions(followPaths: ["."])).paths == all)
      #expect(try FollowPaths.resolve(["a", "a/b", "c", "."], root: root.path) == nil)
      #expect(FollowPaths.dedupe(["a", "a/b", "b"]) == ["a", "b"])
    }
  }

  @Test("names the role of a malformed pattern list")
  func invalidPatterns() throws {
    try TemporaryDirectory.with { root in
      #expect {
        _ = try ContextWalker(root: root.path, options: WalkOptions(excludePatterns: ["[oops"]))
      } throws: { error in
        guard let error = error as? ContextError else { return false }
        return error.code == .invalidPattern && error.message.contains("exclude")
          && error.message.contains("[oops")
      }
    }
  }

  @Test("can stop early and release its directories")
  func closeEarly() throws {
    try TemporaryDirectory.with { root in
      try Self.makeProject(root)
      let walker = try ContextWalker(root: root.path)
      #expect(try walker.next()?.path == "Dockerfile")
      walker.close()
      #expect(try walker.next() == nil)
    }
  }
}
