/// A wire message that decodes straight from memory the caller owns.
///
/// Every message type of this module conforms. The gRPC layer uses it to decode a received
/// message in place instead of copying it into an array first.
public protocol BufferDecodable: WireMessage {
  /// Decodes a message from its protobuf encoding.
  /// - Parameter buffer: The encoded message; it is only read during the call, and an empty
  ///   buffer is the all-default message.
  /// - Throws: ``BuildKitError`` with code ``BuildKitError/Code/malformedMessage``.
  init(decoding buffer: UnsafeRawBufferPointer) throws(BuildKitError)
}
