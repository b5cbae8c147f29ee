/// Bracket expressions and single-character escapes of the RE2 subset.
///
/// Inside brackets RE2 (Perl mode) accepts `]` as the first member, `-` anywhere, ranges `a-z`,
/// POSIX classes `[:alpha:]` and `[:^alpha:]`, the Perl shorthands, and escaped characters. A
/// leading `^` negates the class; in Perl mode a negated class also matches newline. Outside and
/// inside brackets, an escaped ASCII punctuation character stands for itself, `\0`–`\7` start
/// octal escapes, `\x` takes two hex digits or `{…}`, and `\a \f \n \r \t \v` are the usual
/// control characters; any other escaped letter or digit is an error, as in RE2.
extension RegexParser {
  mutating func parseClass() throws(SyntaxError) -> CharacterClass {
    // Skip `[`.
    self.index += 1
    var negated = false
    if !self.atEnd, self.current == "^" {
      negated = true
      self.index += 1
    }

    var members = CharacterClass()
    var first = true
    while self.atEnd || self.current != "]" || first {
      guard !self.atEnd else { throw SyntaxError(reason: "missing closing ]") }
      first = false

      if let named = try self.parseNamedClass() {
        members.formUnion(named)
        continue
      }
      if self.current == "\\", let letter = self.peek(1) {
        if letter == "p" || letter == "P" {
          throw SyntaxError(reason: "Unicode property classes are not supported")
        }
        if let perl = CharacterClass.perl(letter) {
          self.index += 2
          members.formUnion(perl)
          continue
        }
      }

      let lower = try self.parseClassCharacter()
      var upper = lower
      if !self.atEnd, self.current == "-", let after = self.peek(1), after != "]" {
        self.index += 1
        upper = try self.parseClassCharacter()
        guard lower <= upper else { throw SyntaxError(reason: "invalid character class range") }
      }
      members.insert(lower...upper)
    }

    // Skip `]`.
    self.index += 1
    return negated ? members.inverted() : members
  }

  /// Parses `[:name:]` at the current position, or returns nil when the text is not one.
  private mutating func parseNamedClass() throws(SyntaxError) -> CharacterClass? {
    guard self.index + 2 < self.source.count, self.current == "[", self.peek(1) == ":" else {
      return nil
    }
    // RE2 looks for the closing `:]` anywhere in the rest of the text.
    var end = self.index + 2
    while end + 1 < self.source.count, !(self.source[end] == ":" && self.source[end + 1] == "]") {
      end += 1
    }
    guard end + 1 < self.source.count else { return nil }

    var name = String(String.UnicodeScalarView(self.source[(self.index + 2)..<end]))
    var negated = false
    if name.hasPrefix("^") {
      negated = true
      name.removeFirst()
    }
    guard let named = CharacterClass.named(name) else {
      throw SyntaxError(reason: "invalid character class range [:\(name):]")
    }
    self.index = end + 2
    return negated ? named.inverted() : named
  }

  private mutating func parseClassCharacter() throws(SyntaxError) -> UInt32 {
    guard !self.atEnd else { throw SyntaxError(reason: "missing closing ]") }
    if self.current == "\\" {
      return try self.parseSingleEscape()
    }
    let value = self.current.value
    self.index += 1
    return value
  }

  /// Parses one escaped character (the index is at the backslash) and returns its value.
  mutating func parseSingleEscape() throws(SyntaxError) -> UInt32 {
    guard let letter = self.peek(1) else { throw SyntaxError(reason: "trailing backslash") }
    self.index += 2

    if letter.value < 0x80, !Self.isAlphanumeric(letter) {
      return letter.value
    }
    switch letter {
    case "0", "1", "2", "3", "4", "5", "6", "7":
      // A lone non-zero digit would be a back reference, which RE2 rejects.
      if letter != "0", !self.nextIsOctalDigit() { break }
      var value = letter.value - 48
      for _ in 0..<2 where self.nextIsOctalDigit() {
        value = value * 8 + self.current.value - 48
        self.index += 1
      }
      return value
    case "x":
      if let value = self.parseHexEscape() { return value }
    case "a": return 7
    case "f": return 12
    case "n": return 10
    case "r": return 13
    case "t": return 9
    case "v": return 11
    default:
      break
    }
    throw SyntaxError(reason: "invalid escape sequence \\\(letter)")
  }

  private func nextIsOctalDigit() -> Bool {
    !self.atEnd && (48...55).contains(self.current.value)
  }

  private mutating func parseHexEscape() -> UInt32? {
    guard !self.atEnd else { return nil }
    if self.current == "{" {
      self.index += 1
      var value: UInt32 = 0
      var digits = 0
      while !self.atEnd, self.current != "}" {
        guard let digit = Self.hexValue(self.current) else { return nil }
        value = value * 16 + digit
        guard value <= CharacterClass.maxScalar else { return nil }
        digits += 1
        self.index += 1
      }
      guard !self.atEnd, digits > 0 else { return nil }
      self.index += 1
      return value
    }
    guard let high = Self.hexValue(self.current), let next = self.peek(1),
      let low = Self.hexValue(next)
    else { return nil }
    self.index += 2
    return high * 16 + low
  }

  private static func hexValue(_ scalar: Unicode.Scalar) -> UInt32? {
    switch scalar.value {
    case 48...57: return scalar.value - 48
    case 65...70: return scalar.value - 55
    case 97...102: return scalar.value - 87
    default: return nil
    }
  }

  private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 48...57, 65...90, 97...122: return true
    default: return false
    }
  }
}
