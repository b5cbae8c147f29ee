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
      let start = cgrpc_slice_start(slice)
      bytes.append(contentsOf: UnsafeBufferPointer(start: start, count: cgrpc_slice_length(slice)))
      grpc_slice_unref(slice)
    }
    return bytes
  }

  /// The bytes of a slice.
  static func bytes(of slice: grpc_slice) -> [UInt8] {
    let count = cgrpc_slice_length(slice)
    guard count > 0, let start = cgrpc_slice_start(slice) else { return [] }
    return Array(UnsafeBufferPointer(start: start, count: count))
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
