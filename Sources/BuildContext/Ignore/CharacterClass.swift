/// A set of Unicode scalars stored as sorted, non-overlapping closed ranges.
///
/// Pattern character classes (`[a-z]`, `[^/]`, `[[:digit:]]`, `\w`) and the "any character
/// except newline" of a regex dot all compile to this one representation, so the matcher needs a
/// single membership test. Negation is resolved at build time by taking the complement over the
/// whole scalar space.
struct CharacterClass: Sendable, Equatable {
  /// Sorted, merged, closed ranges of scalar values.
  private(set) var ranges: [ClosedRange<UInt32>] = []

  /// The largest Unicode scalar value.
  static let maxScalar: UInt32 = 0x10_FFFF

  /// An empty class.
  init() {}

  /// A class holding exactly the given ranges.
  init(_ ranges: [ClosedRange<UInt32>]) {
    for range in ranges {
      self.insert(range)
    }
  }

  /// Every scalar except line feed: what a regex `.` matches without the `s` flag.
  static let anyExceptNewline = CharacterClass([0...9, 11...maxScalar])

  /// Whether the class matches nothing at all.
  var isEmpty: Bool { self.ranges.isEmpty }

  /// Adds a closed range, merging it with neighbours.
  mutating func insert(_ range: ClosedRange<UInt32>) {
    var lower = range.lowerBound
    var upper = range.upperBound
    var merged: [ClosedRange<UInt32>] = []
    merged.reserveCapacity(self.ranges.count + 1)
    var placed = false

    for existing in self.ranges {
      if existing.upperBound &+ 1 < lower {
        merged.append(existing)
      } else if upper &+ 1 < existing.lowerBound {
        if !placed {
          merged.append(lower...upper)
          placed = true
        }
        merged.append(existing)
      } else {
        lower = min(lower, existing.lowerBound)
        upper = max(upper, existing.upperBound)
      }
    }
    if !placed {
      merged.append(lower...upper)
    }
    self.ranges = merged
  }

  /// Adds every scalar of another class.
  mutating func formUnion(_ other: CharacterClass) {
    for range in other.ranges {
      self.insert(range)
    }
  }

  /// The complement over all scalar values.
  func inverted() -> CharacterClass {
    var result = CharacterClass()
    var next: UInt32 = 0
    for range in self.ranges {
      if range.lowerBound > next {
        result.ranges.append(next...(range.lowerBound - 1))
      }
      next = range.upperBound &+ 1
    }
    if next <= Self.maxScalar {
      result.ranges.append(next...Self.maxScalar)
    }
    return result
  }

  /// Whether the class contains `scalar`.
  func contains(_ scalar: UInt32) -> Bool {
    var low = 0
    var high = self.ranges.count - 1
    while low <= high {
      let middle = (low + high) / 2
      let range = self.ranges[middle]
      if scalar < range.lowerBound {
        high = middle - 1
      } else if scalar > range.upperBound {
        low = middle + 1
      } else {
        return true
      }
    }
    return false
  }
}

extension CharacterClass {
  /// The ASCII classes that may appear as `[:name:]` inside brackets, as RE2 defines them.
  static func named(_ name: String) -> CharacterClass? {
    switch name {
    case "alnum": return CharacterClass([48...57, 65...90, 97...122])
    case "alpha": return CharacterClass([65...90, 97...122])
    case "ascii": return CharacterClass([0...0x7F])
    case "blank": return CharacterClass([9...9, 32...32])
    case "cntrl": return CharacterClass([0...31, 127...127])
    case "digit": return CharacterClass([48...57])
    case "graph": return CharacterClass([33...126])
    case "lower": return CharacterClass([97...122])
    case "print": return CharacterClass([32...126])
    case "punct": return CharacterClass([33...47, 58...64, 91...96, 123...126])
    case "space": return CharacterClass([9...13, 32...32])
    case "upper": return CharacterClass([65...90])
    case "word": return CharacterClass([48...57, 65...90, 95...95, 97...122])
    case "xdigit": return CharacterClass([48...57, 65...70, 97...102])
    default: return nil
    }
  }

  /// The Perl shorthand classes `\d`, `\s`, `\w` and their upper-case negations.
  static func perl(_ letter: Unicode.Scalar) -> CharacterClass? {
    switch letter {
    case "d": return CharacterClass([48...57])
    case "D": return CharacterClass([48...57]).inverted()
    case "s": return CharacterClass([9...10, 12...13, 32...32])
    case "S": return CharacterClass([9...10, 12...13, 32...32]).inverted()
    case "w": return Self.named("word")
    case "W": return Self.named("word")?.inverted()
    default: return nil
    }
  }

  /// Whether `scalar` is an ASCII word character (what `\b` looks at).
  static func isWordCharacter(_ scalar: UInt32?) -> Bool {
    guard let scalar else { return false }
    return (48...57).contains(scalar) || (65...90).contains(scalar) || scalar == 95
      || (97...122).contains(scalar)
  }
}
