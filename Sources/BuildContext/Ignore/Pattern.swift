/// One cleaned pattern of a ``PatternMatcher`` and how it matches a path.
///
/// moby/patternmatcher sorts each pattern into one of four kinds while translating it to a regular
/// expression, and the kinds behave differently on purpose or by accident, so they are kept here:
///
/// - exact: no wildcard at all; the path must equal the pattern byte for byte.
/// - prefix: only literal text followed by a final `**` (`dir/**`); the path must start with the
///   text before the `**`. `abc/**` therefore does not match `abc` itself.
/// - suffix: starts with `**` and has no other wildcard (`**/dir`, `**.go`); the path must end with
///   the text after the `**`, and `**/x` also matches `x`. `**file` matches `myfile`.
/// - regex: everything else, through the translated regular expression, where `*` is `[^/]*`,
///   `?` is `[^/]`, `**` inside the pattern is `(.*/)?` and at the end `.*`.
struct Pattern: Sendable {
  enum Kind: Sendable {
    case exact([UInt8])
    case prefix([UInt8])
    case suffix([UInt8])
    case regex(RegexProgram)
  }

  /// The cleaned pattern text without the leading `!`.
  let text: String
  /// Whether the pattern started with `!` (re-includes what earlier patterns matched).
  let isExclusion: Bool
  let kind: Kind

  /// Compiles one cleaned pattern.
  init(text: String, isExclusion: Bool) throws(RegexParser.SyntaxError) {
    self.text = text
    self.isExclusion = isExclusion
    self.kind = try Self.compile(text)
  }

  /// Whether the pattern matches exactly `path` (no parent matching).
  func matches(_ path: PathText) -> Bool {
    switch self.kind {
    case .exact(let literal):
      return path.bytes == literal
    case .prefix(let literal):
      return path.bytes.starts(with: literal)
    case .suffix(let literal):
      if path.bytes.count >= literal.count, path.bytes.suffix(literal.count).elementsEqual(literal)
      {
        return true
      }
      // `**/foo` also matches `foo`.
      return literal.first == UInt8(ascii: "/") && path.bytes.elementsEqual(literal.dropFirst())
    case .regex(let program):
      return program.matches(path.scalars)
    }
  }

  /// Whether some path that starts with `prefix` could match.
  func mayMatchExtension(of prefix: PathText) -> Bool {
    switch self.kind {
    case .exact(let literal):
      return literal.starts(with: prefix.bytes)
    case .prefix(let literal):
      return literal.starts(with: prefix.bytes) || prefix.bytes.starts(with: literal)
    case .suffix:
      return true
    case .regex(let program):
      return program.mayMatchExtension(of: prefix.scalars)
    }
  }

  private static func compile(_ text: String) throws(RegexParser.SyntaxError) -> Kind {
    let source = Array(text.unicodeScalars)
    var regex: [Unicode.Scalar] = ["^"]
    var kind = KindTag.exact
    var index = 0
    var step = 0

    while index < source.count {
      let scalar = source[index]
      index += 1
      defer { step += 1 }

      switch scalar {
      case "*":
        guard index < source.count, source[index] == "*" else {
          regex += Array("[^/]*".unicodeScalars)
          kind = .regex
          continue
        }
        index += 1
        if index < source.count, source[index] == "/" { index += 1 }
        if index == source.count {
          if kind == .exact {
            kind = .prefix
          } else {
            regex += [".", "*"]
            kind = .regex
          }
        } else {
          regex += Array("(.*/)?".unicodeScalars)
          kind = .regex
        }
        if step == 0 { kind = .suffix }
      case "?":
        regex += Array("[^/]".unicodeScalars)
        kind = .regex
      case ".", "+", "(", ")", "$":
        // patternmatcher means to escape `|`, `{` and `}` too, but its bit table drops every
        // character above 63, so those reach the regex unescaped and act as regex syntax.
        regex += ["\\", scalar]
      case "\\":
        if index < source.count {
          regex += ["\\", source[index]]
          index += 1
          kind = .regex
        } else {
          regex.append("\\")
        }
      case "[", "]":
        regex.append(scalar)
        kind = .regex
      default:
        regex.append(scalar)
      }
    }

    let bytes = Array(text.utf8)
    switch kind {
    case .exact:
      return .exact(bytes)
    case .prefix:
      return .prefix(Array(bytes.dropLast(2)))
    case .suffix:
      return .suffix(Array(bytes.dropFirst(2)))
    case .regex:
      regex.append("$")
      return .regex(RegexProgram(try RegexParser.parse(regex)))
    }
  }

  private enum KindTag {
    case exact, prefix, suffix, regex
  }
}

/// A path as UTF-8 bytes, with its Unicode scalars decoded on first use.
///
/// A class so that one decoding is shared by every regex pattern that looks at the same path.
final class PathText {
  let bytes: [UInt8]

  init(_ bytes: [UInt8]) {
    self.bytes = bytes
  }

  convenience init(_ string: String) {
    self.init(Array(string.utf8))
  }

  /// The scalar values of the path; bytes that are not valid UTF-8 become U+FFFD, as in Go.
  lazy var scalars: [UInt32] = {
    if self.bytes.allSatisfy({ $0 < 0x80 }) {
      return self.bytes.map(UInt32.init)
    }
    return String(decoding: self.bytes, as: UTF8.self).unicodeScalars.map(\.value)
  }()
}
