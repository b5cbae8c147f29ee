internal import CGRPC

/// Conversions between Swift byte arrays and C-core's `grpc_byte_buffer`, and between Swift
/// metadata and `grpc_metadata_array`.
enum ByteBuffers {
  /// A new byte buffer holding a copy of `bytes`; the caller destroys it.
  static func make(_ bytes: [UInt8]) -> UnsafeMutablePointer<grpc_byte_buffer> {
    var slice = bytes.withUnsafeBufferPointer { buffer in
      buffer.withMemoryRebound(to: CChar.self) { chars in
        grpc_slice_from_copied_buffer(chars.baseAddress, chars.count)
      }
    }
    let buffer = grpc_raw_byte_buffer_create(&slice, 1)!
    grpc_slice_unref(slice)
    return buffer
  }

  /// The bytes of a received buffer, copied out once.
  static func read(_ buffer: UnsafeMutablePointer<grpc_byte_buffer>) -> [UInt8] {
    var reader = grpc_byte_buffer_reader()
    guard grpc_byte_buffer_reader_init(&reader, buffer) != 0 else { return [] }
    defer { grpc_byte_buffer_reader_destroy(&reader) }

    var bytes: [UInt8] = []
    bytes.reserveCapacity(grpc_byte_buffer_length(buffer))
    var slice = grpc_slice()
    while grpc_byte_buffer_reader_next(&reader, &slice) != 0 {
      Self.withBytes(of: &slice) { bytes.append(contentsOf: $0) }
      grpc_slice_unref(slice)
    }
    return bytes
  }

  /// The bytes of a slice.
  static func bytes(of slice: grpc_slice) -> [UInt8] {
    var slice = slice
    return Self.withBytes(of: &slice) { Array($0) }
  }

  /// Calls `body` with the bytes of a slice, which stay valid only inside the closure (small
  /// slices keep their bytes inside the struct).
  static func withBytes<T>(
    of slice: inout grpc_slice, _ body: (UnsafeBufferPointer<UInt8>) throws -> T
  ) rethrows -> T {
    try withUnsafePointer(to: &slice) { pointer in
      try body(
        UnsafeBufferPointer(start: cgrpc_slice_start(pointer), count: cgrpc_slice_length(pointer)))
    }
  }

  /// A slice holding a copy of `bytes`; the caller unrefs it.
  static func slice(_ bytes: [UInt8]) -> grpc_slice {
    bytes.withUnsafeBufferPointer { buffer in
      buffer.withMemoryRebound(to: CChar.self) { chars in
        grpc_slice_from_copied_buffer(chars.baseAddress, chars.count)
      }
    }
  }

  /// The entries of a received metadata array.
  static func metadata(_ array: grpc_metadata_array) -> Metadata {
    var metadata = Metadata()
    for index in 0..<array.count {
      let entry = array.metadata[index]
      let key = String(decoding: Self.bytes(of: entry.key), as: UTF8.self)
      metadata.append(key, bytes: Self.bytes(of: entry.value))
    }
    return metadata
  }
}
