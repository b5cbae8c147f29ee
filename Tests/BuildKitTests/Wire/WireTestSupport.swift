// Helpers shared by the wire message tests.

import BuildKit
import Testing

/// Encodes `message` and decodes the bytes again as the same type.
func roundTripped<M: WireMessage>(_ message: M) throws -> M {
  try M(decoding: message.encoded())
}

/// Bytes written as a hex string with optional spaces, e.g. "08 01 18 05".
func bytes(_ hex: String) -> [UInt8] {
  let digits = hex.filter { !$0.isWhitespace }
  return stride(from: 0, to: digits.count, by: 2).map { offset in
    let start = digits.index(digits.startIndex, offsetBy: offset)
    return UInt8(digits[start..<digits.index(start, offsetBy: 2)], radix: 16)!
  }
}

/// `count` bytes of a repeating, non-trivial pattern.
func patternBytes(count: Int) -> [UInt8] {
  (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
}
