/// Lexical path helpers with the semantics of Go's `path` package (`Clean`, `Join`, `Dir`).
///
/// BuildKit cleans every pattern and path with Go's rules before comparing them, so the client
/// must reproduce those rules byte for byte: runs of `/` collapse, `.` elements vanish, `..`
/// removes the element before it (or stays when nothing is left to remove in a relative path,
/// and vanishes at the root of an absolute one), trailing slashes go, and an empty result is
/// `.`. All functions work on UTF-8 bytes, so non-ASCII names pass through untouched.
enum GoPath {
  private static let slash = UInt8(ascii: "/")
  private static let dot = UInt8(ascii: ".")

  /// Returns the shortest path equivalent to `path` by purely lexical processing.
  static func clean(_ path: String) -> String {
    String(decoding: self.clean(bytes: Array(path.utf8)), as: UTF8.self)
  }

  /// Byte-level form of ``clean(_:)``.
  static func clean(bytes path: [UInt8]) -> [UInt8] {
    guard !path.isEmpty else { return [dot] }

    let rooted = path[0] == slash
    var out: [UInt8] = rooted ? [slash] : []
    out.reserveCapacity(path.count)
    // `floor` is where `..` may no longer backtrack: after the root, or after leading `..`s.
    var floor = out.count
    var index = 0

    while index < path.count {
      let elementEnd = path[index...].firstIndex(of: slash) ?? path.count
      let element = path[index..<elementEnd]
      index = elementEnd + 1

      if element.isEmpty || element.elementsEqual([dot]) {
        continue
      }
      if element.elementsEqual([dot, dot]) {
        if out.count > floor {
          self.removeLastElement(&out, floor: floor)
        } else if !rooted {
          if !out.isEmpty { out.append(slash) }
          out.append(contentsOf: [dot, dot])
          floor = out.count
        }
        continue
      }
      if out.count > (rooted ? 1 : 0) { out.append(slash) }
      out.append(contentsOf: element)
    }

    return out.isEmpty ? [dot] : out
  }

  /// Joins elements with `/` and cleans the result; empty elements are ignored.
  static func join(_ elements: String...) -> String {
    let kept = elements.filter { !$0.isEmpty }
    guard !kept.isEmpty else { return "" }
    return self.clean(kept.joined(separator: "/"))
  }

  /// Returns all but the last element of `path`, cleaned (Go's `path.Dir`).
  static func dir(_ path: String) -> String {
    let bytes = Array(path.utf8)
    guard let lastSlash = bytes.lastIndex(of: slash) else { return "." }
    return String(decoding: self.clean(bytes: Array(bytes[...lastSlash])), as: UTF8.self)
  }

  /// Returns the last element of `path` (Go's `path.Base` for clean, non-empty paths).
  static func base(_ path: String) -> String {
    let cleaned = self.clean(path)
    guard cleaned != "/" else { return "/" }
    let bytes = Array(cleaned.utf8)
    guard let lastSlash = bytes.lastIndex(of: slash) else { return cleaned }
    return String(decoding: bytes[(lastSlash + 1)...], as: UTF8.self)
  }

  private static func removeLastElement(_ out: inout [UInt8], floor: Int) {
    // Cut back to the last separator above `floor`, or to `floor` itself.
    var cut = out.count - 1
    while cut > floor, out[cut] != slash {
      cut -= 1
    }
    out.removeSubrange(cut...)
  }
}

/// Text helpers with the semantics of Go's `strings` package where BuildKit relies on them.
enum GoText {
  /// Removes leading and trailing white space as Go's `strings.TrimSpace` does: every scalar
  /// with the Unicode White_Space property (which includes tab, newline, vertical tab, form
  /// feed, carriage return, space, U+0085 and U+00A0).
  static func trimmingSpace(_ text: String) -> String {
    let scalars = text.unicodeScalars
    guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
      let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
    else { return "" }
    return String(scalars[first...last])
  }
}
