/// A parser for the subset of RE2 syntax that moby/patternmatcher can produce.
///
/// patternmatcher turns a wildcard pattern into a Go regular expression by textual substitution
/// (`*` becomes `[^/]*`, `?` becomes `[^/]`, `**` becomes `(.*/)?` or `.*`, and `.+()$` are
/// escaped) and leaves `[`, `]`, `^`, `|`, `{`, `}` and backslash escapes from the user untouched.
/// Go's RE2 parser then gives that text its meaning, which is sometimes surprising: a user `[` can
/// swallow the generated `[^/`, a user `\d` means "a digit", and a user `|` splits the whole
/// expression in two. To agree with the daemon's side on every pattern, this parser reads the
/// generated text with RE2's Perl-mode rules: alternation, groups, `* + ? {n,m}` repetition,
/// `^` and `$` anchoring the whole text, `.` excluding newline, classes with ranges and
/// `[:name:]` members (negated classes include newline), `\d\s\w` shorthands, `\A \z \b \B`,
/// `\Q…\E` quoting, and octal, hex and control escapes. Unicode property classes (`\p`) are
/// refused as unsupported.
struct RegexParser {
  /// A parsed regular expression.
  indirect enum Node: Sendable {
    case characters(CharacterClass)
    case assertion(RegexProgram.Assertion)
    case concatenation([Node])
    case alternation([Node])
    /// Between `minimum` and `maximum` copies; nil `maximum` means unbounded.
    case repetition(Node, minimum: Int, maximum: Int?)
  }

  /// Why a regular expression does not parse.
  struct SyntaxError: Error {
    var reason: String
  }

  let source: [Unicode.Scalar]
  var index = 0

  /// Parses `source` into a syntax tree.
  static func parse(_ source: [Unicode.Scalar]) throws(SyntaxError) -> Node {
    var parser = RegexParser(source: source)
    let node = try parser.parseAlternation(depth: 0)
    guard parser.index == source.count else {
      throw SyntaxError(reason: "unexpected )")
    }
    return node
  }

  private init(source: [Unicode.Scalar]) {
    self.source = source
  }

  var atEnd: Bool { self.index >= self.source.count }
  var current: Unicode.Scalar { self.source[self.index] }

  func peek(_ offset: Int) -> Unicode.Scalar? {
    let position = self.index + offset
    return position < self.source.count ? self.source[position] : nil
  }

  private mutating func parseAlternation(depth: Int) throws(SyntaxError) -> Node {
    var branches = [try self.parseConcatenation(depth: depth)]
    while !self.atEnd, self.current == "|" {
      self.index += 1
      branches.append(try self.parseConcatenation(depth: depth))
    }
    return branches.count == 1 ? branches[0] : .alternation(branches)
  }

  private mutating func parseConcatenation(depth: Int) throws(SyntaxError) -> Node {
    var items: [Node] = []
    var lastWasRepetition = false

    while !self.atEnd {
      let scalar = self.current
      switch scalar {
      case "|":
        return .concatenation(items)
      case ")":
        guard depth > 0 else { throw SyntaxError(reason: "unexpected )") }
        return .concatenation(items)
      case "*", "+", "?", "{":
        var bounds: (minimum: Int, maximum: Int?)
        switch scalar {
        case "*": bounds = (0, nil)
        case "+": bounds = (1, nil)
        case "?": bounds = (0, 1)
        default:
          // `{` that does not start a valid `{n}`, `{n,}` or `{n,m}` is a literal.
          guard let braces = self.parseBraces() else {
            self.index += 1
            items.append(.characters(CharacterClass([scalar.value...scalar.value])))
            lastWasRepetition = false
            continue
          }
          guard braces.minimum <= 1000, (braces.maximum ?? 0) <= 1000,
            braces.minimum <= (braces.maximum ?? braces.minimum)
          else { throw SyntaxError(reason: "invalid repeat count") }
          bounds = braces
        }
        guard !lastWasRepetition else {
          throw SyntaxError(reason: "invalid nested repetition operator")
        }
        guard let operand = items.popLast() else {
          throw SyntaxError(reason: "missing argument to repetition operator")
        }
        if scalar != "{" { self.index += 1 }
        // A following `?` only makes the repetition lazy, which does not change whether it matches.
        if !self.atEnd, self.current == "?" { self.index += 1 }
        items.append(.repetition(operand, minimum: bounds.minimum, maximum: bounds.maximum))
        lastWasRepetition = true
        continue
      case "(":
        self.index += 1
        if !self.atEnd, self.current == "?" {
          throw SyntaxError(reason: "group flags are not supported")
        }
        let inner = try self.parseAlternation(depth: depth + 1)
        guard !self.atEnd, self.current == ")" else { throw SyntaxError(reason: "missing )") }
        self.index += 1
        items.append(inner)
      case "^":
        self.index += 1
        items.append(.assertion(.beginText))
      case "$":
        self.index += 1
        items.append(.assertion(.endText))
      case ".":
        self.index += 1
        items.append(.characters(.anyExceptNewline))
      case "[":
        items.append(.characters(try self.parseClass()))
      case "\\":
        items.append(contentsOf: try self.parseEscapeAtom())
      default:
        self.index += 1
        items.append(.characters(CharacterClass([scalar.value...scalar.value])))
      }
      lastWasRepetition = false
    }
    return .concatenation(items)
  }

  /// Parses `{n}`, `{n,}` or `{n,m}` at the current position and moves past it; returns nil
  /// (without moving) when the text is not a repetition, which makes the `{` a literal.
  private mutating func parseBraces() -> (minimum: Int, maximum: Int?)? {
    var cursor = self.index + 1
    guard let minimum = self.parseCount(&cursor), cursor < self.source.count else { return nil }
    var maximum: Int? = minimum
    if self.source[cursor] == "," {
      cursor += 1
      guard cursor < self.source.count else { return nil }
      if self.source[cursor] == "}" {
        maximum = nil
      } else {
        guard let upper = self.parseCount(&cursor) else { return nil }
        maximum = upper
      }
    }
    guard cursor < self.source.count, self.source[cursor] == "}" else { return nil }
    self.index = cursor + 1
    return (minimum, maximum)
  }

  /// Reads a decimal count without leading zeros; over-large values read as 1001.
  private func parseCount(_ cursor: inout Int) -> Int? {
    let start = cursor
    while cursor < self.source.count, (48...57).contains(self.source[cursor].value) {
      cursor += 1
    }
    guard cursor > start else { return nil }
    if cursor - start > 1, self.source[start] == "0" { return nil }
    var value = 0
    for digit in self.source[start..<cursor] {
      value = min(value * 10 + Int(digit.value - 48), 1001)
    }
    return value
  }

  /// Parses a backslash sequence outside brackets; `\Q…\E` may yield several literals.
  private mutating func parseEscapeAtom() throws(SyntaxError) -> [Node] {
    guard let letter = self.peek(1) else { throw SyntaxError(reason: "trailing backslash") }
    switch letter {
    case "A":
      self.index += 2
      return [.assertion(.beginText)]
    case "z":
      self.index += 2
      return [.assertion(.endText)]
    case "b":
      self.index += 2
      return [.assertion(.wordBoundary)]
    case "B":
      self.index += 2
      return [.assertion(.notWordBoundary)]
    case "Q":
      self.index += 2
      var literals: [Node] = []
      while !self.atEnd {
        if self.current == "\\", self.peek(1) == "E" {
          self.index += 2
          break
        }
        literals.append(.characters(CharacterClass([self.current.value...self.current.value])))
        self.index += 1
      }
      return literals
    default:
      if let perl = CharacterClass.perl(letter) {
        self.index += 2
        return [.characters(perl)]
      }
      let value = try self.parseSingleEscape()
      return [.characters(CharacterClass([value...value]))]
    }
  }
}
