/// Include and exclude patterns with the semantics of moby/patternmatcher.
///
/// BuildKit filters a local directory with two pattern lists that the client receives from the
/// daemon: include patterns and exclude patterns (the parsed `.dockerignore`). Both are evaluated
/// the same way:
///
/// - Each pattern is trimmed of white space and cleaned like a Go path; empty patterns are dropped.
///   A leading `!` marks an exception that re-includes what earlier patterns matched; a lone `!`
///   is an error.
/// - Patterns are evaluated in order and the last one that matches decides. A pattern matches a
///   path when it matches the path itself or any of its parent directories, so `docs` also matches
///   `docs/README.md`.
/// - Wildcards: `*` is any run of characters other than `/`, `?` is one such character, `[...]`
///   is a class with ranges, negated by `[^...]` (a class may match `/`; `[!...]` is not a
///   negation but a class containing `!`), `\` escapes the next character, and `**` spans any
///   number of segments: `**/x` also matches `x`, `dir/**` matches everything below `dir` (but
///   not `dir`), and a leading `**` without other wildcards is a plain suffix test (`**.go`
///   matches `a/b.go`). Matching is case-sensitive and byte-exact.
/// - patternmatcher implements wildcards by translating to a Go regular expression, and some
///   regex syntax shows through: `|` splits the expression (so `a|` matches everything), `{n}`
///   repeats, `^` anchors, `\d` is a digit and `[[:alpha:]]` a POSIX class. These match here
///   exactly as in Go; a pattern whose translation is not a valid regex is refused at once (Go
///   fails only when it first evaluates that pattern).
///
/// During a directory walk, ``matches(_:parentResults:)`` reuses the parent directory's per-pattern
/// results instead of rechecking every parent, which keeps the walk linear in the number of entries
/// (patternmatcher's `MatchesUsingParentResults`). The two ways of asking can disagree on unusual
/// pattern lists, exactly as they do in Go; the walker uses the incremental one, as fsutil does.
public struct PatternMatcher: Sendable {
  /// Per-pattern results for one directory, handed to the evaluation of its children.
  public struct ParentResults: Sendable, Equatable {
    fileprivate var matched: [Bool]

    /// Results for entries at the top of the tree, which have no parent to consult.
    public init() {
      self.matched = []
    }
  }

  private let compiled: [Pattern]

  /// The cleaned patterns in order, exceptions with their leading `!`.
  public var patterns: [String] {
    self.compiled.map { $0.isExclusion ? "!" + $0.text : $0.text }
  }

  /// Whether there are no patterns at all (a matcher that matches nothing).
  public var isEmpty: Bool { self.compiled.isEmpty }

  /// Whether any pattern is a `!` exception.
  public var hasExclusions: Bool { self.compiled.contains(where: \.isExclusion) }

  /// Compiles a list of patterns.
  /// - Parameter patterns: Patterns in evaluation order; a leading `!` marks an exception.
  /// - Throws: ``ContextError`` with code ``ContextError/Code/invalidPattern`` naming the first
  ///   pattern that is malformed (for example an unterminated `[`, or a lone `!`).
  public init(patterns: [String]) throws {
    // Like patternmatcher: every pattern's wildcard syntax is checked before any is compiled.
    var cleaned: [(original: String, text: String, isExclusion: Bool)] = []
    for original in patterns {
      let trimmed = GoText.trimmingSpace(original)
      guard !trimmed.isEmpty else { continue }

      var text = GoPath.clean(trimmed)
      var isExclusion = false
      if text.hasPrefix("!") {
        guard text.utf8.count > 1 else {
          throw ContextError(
            code: .invalidPattern,
            message: "pattern \"\(original)\" is a lone \"!\"; write \"!path\" to re-include a path"
          )
        }
        isExclusion = true
        text.removeFirst()
      }
      guard GoGlob.isValid(text) else {
        throw Self.invalid(original, reason: "it is not a valid wildcard pattern")
      }
      cleaned.append((original, text, isExclusion))
    }

    var compiled: [Pattern] = []
    for pattern in cleaned {
      do {
        compiled.append(try Pattern(text: pattern.text, isExclusion: pattern.isExclusion))
      } catch {
        throw Self.invalid(pattern.original, reason: error.reason)
      }
    }
    self.compiled = compiled
  }

  /// Whether `path` or one of its parent directories is matched, after all exceptions
  /// (patternmatcher's `MatchesOrParentMatches`).
  /// - Parameter path: A clean, `/`-separated path relative to the context root.
  /// - Returns: True when the last pattern that applies is not an exception.
  public func matches(_ path: String) -> Bool {
    let text = PathText(path)
    let parent = GoPath.dir(path)
    let parents = parent == "." ? [] : Self.prefixes(of: Array(parent.utf8)).map(PathText.init)

    var matched = false
    for pattern in self.compiled where pattern.isExclusion == matched {
      var hit = pattern.matches(text)
      if !hit {
        hit = parents.contains { pattern.matches($0) }
      }
      if hit { matched = !pattern.isExclusion }
    }
    return matched
  }

  /// Whether `path` itself is matched, ignoring its parents (patternmatcher's `MatchesExact`).
  /// - Parameter path: A clean, `/`-separated path relative to the context root.
  /// - Returns: True when the last pattern that matches is not an exception.
  public func matchesExactly(_ path: String) -> Bool {
    let text = PathText(path)
    var matched = false
    for pattern in self.compiled where pattern.isExclusion == matched && pattern.matches(text) {
      matched = !pattern.isExclusion
    }
    return matched
  }

  /// Evaluates `path` using the results of its parent directory (patternmatcher's
  /// `MatchesUsingParentResults`).
  /// - Parameters:
  ///   - path: A clean, `/`-separated path relative to the context root.
  ///   - parentResults: What this call returned for the parent directory, or an empty value for
  ///     top-level entries (the parents are then checked directly).
  /// - Returns: Whether the path is matched, and the results to pass to its children.
  public func matches(
    _ path: String,
    parentResults: ParentResults
  ) -> (matched: Bool, results: ParentResults) {
    self.evaluate(PathText(path), parentResults: parentResults)
  }

  /// Whether a `!` exception could match something strictly inside `directory`, so that a walk
  /// must descend into the directory even though it is excluded. A "no" is always right; a "yes"
  /// may be too cautious.
  /// - Parameter directory: A clean, `/`-separated directory path relative to the context root.
  /// - Returns: False when no exception can re-include anything below `directory`.
  public func mayMatchInside(directory: String) -> Bool {
    self.mayMatchInside(directory: Array(directory.utf8), exceptions: true)
  }

  /// Whether a plain (non-`!`) pattern could match something strictly inside `directory`, so that
  /// a walk with include patterns must descend into a directory that is not itself included.
  /// - Parameter directory: A clean, `/`-separated directory path relative to the context root.
  /// - Returns: False when nothing below `directory` can be included.
  public func mayIncludeInside(directory: String) -> Bool {
    self.mayMatchInside(directory: Array(directory.utf8), exceptions: false)
  }
}

extension PatternMatcher {
  func evaluate(
    _ path: PathText,
    parentResults: ParentResults
  ) -> (matched: Bool, results: ParentResults) {
    let inherited = parentResults.matched.count == self.compiled.count
    var results = ParentResults()
    results.matched = [Bool](repeating: false, count: self.compiled.count)
    var parents: [PathText]?
    var matched = false

    for (index, pattern) in self.compiled.enumerated() {
      var hit = inherited && parentResults.matched[index]
      if !hit {
        // Only patterns that could change the current answer are evaluated.
        guard pattern.isExclusion == matched else { continue }
        hit = pattern.matches(path)
        if !hit, !inherited {
          if parents == nil { parents = Self.parentPrefixes(of: path.bytes) }
          hit = parents?.contains { pattern.matches($0) } ?? false
        }
      }
      results.matched[index] = hit
      if hit { matched = !pattern.isExclusion }
    }
    return (matched, results)
  }

  func mayMatchInside(directory: [UInt8], exceptions: Bool) -> Bool {
    let inside = PathText(directory + [UInt8(ascii: "/")])
    let ancestry = Self.prefixes(of: directory).map(PathText.init)
    return self.compiled.contains { pattern in
      guard pattern.isExclusion == exceptions else { return false }
      return pattern.mayMatchExtension(of: inside) || ancestry.contains { pattern.matches($0) }
    }
  }

  /// The parent directories of `path`, outermost first, as Go's `Dir` and `Split` produce them.
  private static func parentPrefixes(of path: [UInt8]) -> [PathText] {
    let parent = GoPath.dir(String(decoding: path, as: UTF8.self))
    guard parent != "." else { return [] }
    return self.prefixes(of: Array(parent.utf8)).map(PathText.init)
  }

  /// `a`, `a/b`, `a/b/c` for `a/b/c`.
  private static func prefixes(of path: [UInt8]) -> [[UInt8]] {
    var result: [[UInt8]] = []
    for (offset, byte) in path.enumerated() where byte == UInt8(ascii: "/") {
      result.append(Array(path[..<offset]))
    }
    result.append(path)
    return result
  }

  private static func invalid(_ pattern: String, reason: String) -> ContextError {
    ContextError(
      code: .invalidPattern,
      message: "pattern \"\(pattern)\" is malformed (\(reason)); fix or escape it"
    )
  }
}
