/// A message of BuildKit's wire format.
///
/// Conforming types are plain Swift values. Encoding and decoding go through the protobuf-c code
/// generated from `Protos/`, so the bytes are exactly what BuildKit's Go code reads and writes.
public protocol WireMessage: Sendable {
  /// Decodes a message from its protobuf encoding.
  /// - Parameter bytes: The encoded message; an empty buffer is the all-default message.
  /// - Throws: ``BuildKitError`` with code ``BuildKitError/Code/malformedMessage``.
  init(decoding bytes: [UInt8]) throws(BuildKitError)

  /// The protobuf encoding of this message.
  func encoded() -> [UInt8]
}
