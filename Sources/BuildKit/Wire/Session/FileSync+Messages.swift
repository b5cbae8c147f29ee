// The byte-chunk message of the session's streams (`moby.filesync.v1.BytesMessage`).
//
// Three BuildKit packages declare the same one-field message: `moby.buildkit.v1` for the
// Control/Session tunnel, `moby.filesync.v1` for FileSend tar exports, `moby.sshforward.v1` for
// SSH agent forwarding. Their encodings are identical, so one Swift type serves all three, and
// the namespaces `Control` and `SSHForward` name it by alias.
//
// Every tunnelled byte of a session passes through this message, so its encoding lends `data` to
// the C encoder instead of copying it first.

import CBuildKitProtos
import CProtobufC

extension FileSync {
  /// A chunk of a byte stream (`moby.filesync.v1.BytesMessage`).
  public struct BytesMessage: WireMessage, Hashable {
    /// The chunk; chunk boundaries carry no meaning.
    public var data: [UInt8]

    /// Creates a chunk; each parameter sets the property of the same name.
    public init(data: [UInt8] = []) {
      self.data = data
    }
  }
}

extension FileSync.BytesMessage {
  /// The `data` of an encoded message, as a slice of `bytes` where that is possible.
  ///
  /// A message that is just field 1 (the tag byte 0x0A, the length as a varint, the bytes) is
  /// read in place, without decoding it into a copy; any other encoding is decoded.
  /// - Throws: ``BuildKitError`` when `bytes` is not a `BytesMessage`.
  public static func data(of bytes: [UInt8]) throws(BuildKitError) -> ArraySlice<UInt8> {
    if bytes.isEmpty { return [] }
    if bytes[0] == 0x0A, let (length, start) = ProtobufFraming.readVarint(in: bytes, at: 1),
      UInt64(bytes.count - start) == length
    {
      return bytes[start...]
    }
    return try Self(decoding: bytes).data[...]
  }
}

extension Control {
  /// A chunk of the Control/Session tunnel (`moby.buildkit.v1.BytesMessage`).
  public typealias BytesMessage = FileSync.BytesMessage
}

extension SSHForward {
  /// A chunk of the ssh-agent protocol (`moby.sshforward.v1.BytesMessage`).
  public typealias BytesMessage = FileSync.BytesMessage
}

extension FileSync.BytesMessage: CBackedMessage {
  init(cStruct c: Moby__Filesync__V1__BytesMessage) {
    self.init(data: .init(cValue: c.data))
  }

  func fill(_ c: inout Moby__Filesync__V1__BytesMessage, in arena: CArena) {
    c.data = arena.value(self.data)
  }

  func withCStruct<R>(_ body: (UnsafePointer<Moby__Filesync__V1__BytesMessage>) -> R) -> R {
    self.data.withUnsafeBufferPointer { data in
      var message = Moby__Filesync__V1__BytesMessage()
      Moby__Filesync__V1__BytesMessage.initialize(&message)
      message.data = ProtobufCBinaryData(borrowing: data)
      return body(&message)
    }
  }
}
