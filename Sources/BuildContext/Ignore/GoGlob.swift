/// Go's `path/filepath.Match` wildcard language, used two ways.
///
/// BuildKit validates every include and exclude pattern with `filepath.Match` before compiling it,
/// so a pattern that `Match` calls malformed (an unterminated `[`, an empty class, a class that
/// starts with `-` or `]`, a trailing backslash) is refused even when the later regex would
/// accept it. Symlink resolution for follow-paths also lists directory entries whose names match
/// a wildcard last component with `Match` itself.
///
/// The language: `*` matches any run of non-`/` characters, `?` one non-`/` character,
/// `[...]` or `[^...]` one character from (or not from) a set of characters and `lo-hi` ranges,
/// and `\c` the character `c`, also inside brackets.
enum GoGlob {
  private enum ChunkResult {
    case malformed
    case mismatch
    case matched(rest: ArraySlice<Unicode.Scalar>)
  }

  /// Whether `pattern` is well formed for `filepath.Match`.
  static func isValid(_ pattern: String) -> Bool {
    var rest = Array(pattern.unicodeScalars)[...]
    while !rest.isEmpty {
      let (_, chunk, after) = self.nextChunk(rest)
      rest = after
      if case .malformed = self.matchPrefix(chunk, []) { return false }
    }
    return true
  }

  /// Whether `name` matches `pattern` with `filepath.Match` semantics; malformed patterns match
  /// nothing.
  static func matches(_ pattern: String, name: String) -> Bool {
    var pattern = Array(pattern.unicodeScalars)[...]
    var name = Array(name.unicodeScalars)[...]

    chunks: while !pattern.isEmpty {
      let (star, chunk, after) = self.nextChunk(pattern)
      pattern = after
      if star, chunk.isEmpty {
        return !name.contains("/")
      }
      if case .matched(let rest) = self.matchPrefix(chunk, name), rest.isEmpty || !pattern.isEmpty {
        name = rest
        continue
      }
      if star {
        var skip = name.startIndex
        while skip < name.endIndex, name[skip] != "/" {
          skip += 1
          guard case .matched(let rest) = self.matchPrefix(chunk, name[skip...]) else { continue }
          if pattern.isEmpty, !rest.isEmpty { continue }
          name = rest
          continue chunks
        }
      }
      return false
    }
    return name.isEmpty
  }

  /// Splits off leading stars and the following chunk up to the next unbracketed `*`.
  private static func nextChunk(
    _ pattern: ArraySlice<Unicode.Scalar>
  ) -> (star: Bool, chunk: ArraySlice<Unicode.Scalar>, rest: ArraySlice<Unicode.Scalar>) {
    var start = pattern.startIndex
    var star = false
    while start < pattern.endIndex, pattern[start] == "*" {
      start += 1
      star = true
    }
    var inRange = false
    var end = start
    scan: while end < pattern.endIndex {
      switch pattern[end] {
      case "\\":
        if end + 1 < pattern.endIndex { end += 1 }
      case "[": inRange = true
      case "]": inRange = false
      case "*": if !inRange { break scan }
      default: break
      }
      end += 1
    }
    return (star, pattern[start..<end], pattern[end...])
  }

  /// Matches one chunk against the start of `name`, checking the chunk's syntax to its end even
  /// after a mismatch, as Go does.
  private static func matchPrefix(
    _ chunk: ArraySlice<Unicode.Scalar>,
    _ name: ArraySlice<Unicode.Scalar>
  ) -> ChunkResult {
    var chunk = chunk
    var name = name
    var failed = false

    while let head = chunk.first {
      if !failed, name.isEmpty { failed = true }
      switch head {
      case "[":
        let candidate = failed ? nil : name.popFirst()
        chunk.removeFirst()
        guard let classMatched = self.matchClass(&chunk, candidate) else { return .malformed }
        if !classMatched { failed = true }
      case "?":
        if !failed {
          if name.first == "/" { failed = true }
          name = name.dropFirst()
        }
        chunk.removeFirst()
      default:
        if head == "\\" {
          chunk.removeFirst()
          if chunk.isEmpty { return .malformed }
        }
        if !failed {
          if chunk.first != name.first { failed = true }
          name = name.dropFirst()
        }
        chunk.removeFirst()
      }
    }
    return failed ? .mismatch : .matched(rest: name)
  }

  /// Parses a class body (after `[`) up to and including `]`; returns nil when malformed,
  /// otherwise whether `candidate` is a member (false when there is no candidate).
  private static func matchClass(
    _ chunk: inout ArraySlice<Unicode.Scalar>,
    _ candidate: Unicode.Scalar?
  ) -> Bool? {
    var negated = false
    if chunk.first == "^" {
      negated = true
      chunk.removeFirst()
    }
    var member = false
    var ranges = 0
    while true {
      if chunk.first == "]", ranges > 0 {
        chunk.removeFirst()
        break
      }
      guard let lower = self.classCharacter(&chunk) else { return nil }
      var upper = lower
      if chunk.first == "-" {
        chunk.removeFirst()
        guard let end = self.classCharacter(&chunk) else { return nil }
        upper = end
      }
      if let candidate, lower <= candidate, candidate <= upper { member = true }
      ranges += 1
    }
    return candidate != nil && member != negated
  }

  /// Reads one possibly escaped class character; it must be followed by more pattern text.
  private static func classCharacter(_ chunk: inout ArraySlice<Unicode.Scalar>) -> Unicode.Scalar? {
    guard let first = chunk.first, first != "-", first != "]" else { return nil }
    if first == "\\" {
      chunk.removeFirst()
    }
    guard let character = chunk.popFirst(), !chunk.isEmpty else { return nil }
    return character
  }
}
