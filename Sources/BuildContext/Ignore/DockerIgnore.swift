/// A reader for `.dockerignore` files that produces the same pattern list as BuildKit's
/// Dockerfile frontend.
///
/// The file format, line by line:
///
/// - A UTF-8 byte order mark at the very start of the file is ignored. Lines end at `\n`; a
///   `\r` before it is dropped.
/// - A line whose first character is `#` is a comment. A `#` after leading white space is not:
///   such a line is a pattern that starts with `#`.
/// - Leading and trailing white space is trimmed; empty lines are skipped.
/// - A leading `!` marks an exception; white space after it is trimmed too.
/// - The pattern is cleaned like a Go path (`a//b/../c/` becomes `a/c`) and a leading `/` is
///   dropped, because patterns are relative to the context root anyway.
///
/// The result is what the frontend sends to the client as exclude patterns, ready for
/// ``PatternMatcher``.
public enum DockerIgnore {
  /// Parses the contents of a `.dockerignore` file.
  /// - Parameter contents: The raw bytes of the file.
  /// - Returns: The patterns in file order, exceptions with a leading `!`.
  public static func parse(_ contents: [UInt8]) -> [String] {
    var body = contents[...]
    if body.starts(with: [0xEF, 0xBB, 0xBF]) {
      body = body.dropFirst(3)
    }

    var patterns: [String] = []
    for rawLine in body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
      var line = rawLine
      if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
      guard line.first != UInt8(ascii: "#") else { continue }

      var pattern = GoText.trimmingSpace(String(decoding: line, as: UTF8.self))
      guard !pattern.isEmpty else { continue }

      let isException = pattern.hasPrefix("!")
      if isException {
        pattern = GoText.trimmingSpace(String(pattern.dropFirst()))
      }
      if !pattern.isEmpty {
        pattern = GoPath.clean(pattern)
        if pattern.utf8.count > 1, pattern.hasPrefix("/") {
          pattern.removeFirst()
        }
      }
      patterns.append(isException ? "!" + pattern : pattern)
    }
    return patterns
  }

  /// Parses the contents of a `.dockerignore` file given as text.
  /// - Parameter contents: The file's text.
  /// - Returns: The patterns in file order, exceptions with a leading `!`.
  public static func parse(_ contents: String) -> [String] {
    self.parse(Array(contents.utf8))
  }
}
