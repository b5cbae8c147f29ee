internal import CGRPC

/// The memory of one `grpc_call_start_batch`: the ops and everything they point at.
///
/// C-core reads and writes the pointed-to storage until the batch's tag completes, so a batch
/// object lives until then (the completion handler holds it) and frees everything in `deinit`.
/// Results are read from it after completion.
final class Batch: @unchecked Sendable {
  // @unchecked: a batch is filled on one thread before it starts, then touched only by C-core,
  // then read by the single completion handler; it is never shared concurrently.
  private(set) var ops: [grpc_op] = []

  private var sentMetadata: [UnsafeMutableBufferPointer<grpc_metadata>] = []
  private var sentMessage: OutgoingMessage?
  private var sentDetails: UnsafeMutablePointer<grpc_slice>?
  private var receivedBuffer: UnsafeMutablePointer<UnsafeMutablePointer<grpc_byte_buffer>?>?
  private var receivedInitial: UnsafeMutablePointer<grpc_metadata_array>?
  private var receivedTrailing: UnsafeMutablePointer<grpc_metadata_array>?
  private var receivedStatus: UnsafeMutablePointer<grpc_status_code>?
  private var receivedDetails: UnsafeMutablePointer<grpc_slice>?
  private var errorString: UnsafeMutablePointer<UnsafePointer<CChar>?>?
  private var cancelledFlag: UnsafeMutablePointer<Int32>?

  private func add(_ type: grpc_op_type, _ fill: (inout grpc_op) -> Void = { _ in }) {
    var op = grpc_op()
    op.op = type
    fill(&op)
    self.ops.append(op)
  }

  /// Changes the op added last.
  func updateLastOp(_ change: (inout grpc_op) -> Void) {
    change(&self.ops[self.ops.count - 1])
  }

  private func allocate(_ metadata: Metadata) -> UnsafeMutableBufferPointer<grpc_metadata> {
    let entries = UnsafeMutableBufferPointer<grpc_metadata>.allocate(capacity: metadata.count)
    for (index, entry) in metadata.enumerated() {
      var element = grpc_metadata()
      element.key = ByteBuffers.slice(Array(entry.key.utf8))
      element.value = ByteBuffers.slice(entry.value)
      entries[index] = element
    }
    self.sentMetadata.append(entries)
    return entries
  }

  // MARK: Ops

  func sendInitialMetadata(_ metadata: Metadata) {
    let entries = self.allocate(metadata)
    self.add(GRPC_OP_SEND_INITIAL_METADATA) { op in
      op.data.send_initial_metadata.count = entries.count
      op.data.send_initial_metadata.metadata = entries.baseAddress
    }
  }

  /// Sends a message; with `bufferHint`, C-core may hold it back to write it together with
  /// the messages that follow.
  func sendMessage(_ message: OutgoingMessage, bufferHint: Bool = false) {
    self.sentMessage = message
    self.add(GRPC_OP_SEND_MESSAGE) { op in
      op.data.send_message.send_message = message.buffer
      if bufferHint { op.flags = UInt32(GRPC_WRITE_BUFFER_HINT) }
    }
  }

  func sendCloseFromClient() {
    self.add(GRPC_OP_SEND_CLOSE_FROM_CLIENT)
  }

  func sendStatus(_ status: StatusCode, message: String, trailers: Metadata) {
    let entries = self.allocate(trailers)
    let details = UnsafeMutablePointer<grpc_slice>.allocate(capacity: 1)
    details.initialize(to: ByteBuffers.slice(Array(message.utf8)))
    self.sentDetails = details
    self.add(GRPC_OP_SEND_STATUS_FROM_SERVER) { op in
      op.data.send_status_from_server.status = grpc_status_code(Int32(status.rawValue))
      op.data.send_status_from_server.status_details = details
      op.data.send_status_from_server.trailing_metadata_count = entries.count
      op.data.send_status_from_server.trailing_metadata = entries.baseAddress
    }
  }

  func receiveInitialMetadata() {
    let array = UnsafeMutablePointer<grpc_metadata_array>.allocate(capacity: 1)
    grpc_metadata_array_init(array)
    self.receivedInitial = array
    self.add(GRPC_OP_RECV_INITIAL_METADATA) { op in
      op.data.recv_initial_metadata.recv_initial_metadata = array
    }
  }

  func receiveMessage() {
    let slot = UnsafeMutablePointer<UnsafeMutablePointer<grpc_byte_buffer>?>.allocate(capacity: 1)
    slot.initialize(to: nil)
    self.receivedBuffer = slot
    self.add(GRPC_OP_RECV_MESSAGE) { op in op.data.recv_message.recv_message = slot }
  }

  func receiveStatusOnClient() {
    let trailing = UnsafeMutablePointer<grpc_metadata_array>.allocate(capacity: 1)
    grpc_metadata_array_init(trailing)
    let status = UnsafeMutablePointer<grpc_status_code>.allocate(capacity: 1)
    status.initialize(to: GRPC_STATUS_UNKNOWN)
    let details = UnsafeMutablePointer<grpc_slice>.allocate(capacity: 1)
    details.initialize(to: grpc_empty_slice())
    let error = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: 1)
    error.initialize(to: nil)
    self.receivedTrailing = trailing
    self.receivedStatus = status
    self.receivedDetails = details
    self.errorString = error
    self.add(GRPC_OP_RECV_STATUS_ON_CLIENT) { op in
      op.data.recv_status_on_client.trailing_metadata = trailing
      op.data.recv_status_on_client.status = status
      op.data.recv_status_on_client.status_details = details
      op.data.recv_status_on_client.error_string = error
    }
  }

  func receiveCloseOnServer() {
    let flag = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    flag.initialize(to: 0)
    self.cancelledFlag = flag
    self.add(GRPC_OP_RECV_CLOSE_ON_SERVER) { op in op.data.recv_close_on_server.cancelled = flag }
  }

  // MARK: Results

  /// The received message, or nil at the end of the stream.
  var message: [UInt8]? {
    guard let buffer = self.receivedBuffer?.pointee else { return nil }
    return ByteBuffers.read(buffer)
  }

  /// Hands the received message to `body` slice by slice, without copying it.
  /// - Returns: false when no message was received (the end of the stream).
  func withReceivedSlices(_ body: (UnsafeRawBufferPointer) throws -> Void) rethrows -> Bool {
    guard let buffer = self.receivedBuffer?.pointee else { return false }
    var reader = grpc_byte_buffer_reader()
    guard grpc_byte_buffer_reader_init(&reader, buffer) != 0 else { return false }
    defer { grpc_byte_buffer_reader_destroy(&reader) }
    var slice = grpc_slice()
    while grpc_byte_buffer_reader_next(&reader, &slice) != 0 {
      defer { grpc_slice_unref(slice) }
      try ByteBuffers.withBytes(of: &slice) { try body(UnsafeRawBufferPointer($0)) }
    }
    return true
  }

  /// The received initial metadata.
  var initialMetadata: Metadata {
    guard let array = self.receivedInitial else { return Metadata() }
    return ByteBuffers.metadata(array.pointee)
  }

  /// The status the call ended with, as an error when it is not OK.
  var statusOutcome: (status: StatusCode, message: String, trailers: Metadata) {
    let code = StatusCode(rawValue: Int(self.receivedStatus?.pointee.rawValue ?? 2))
    var message =
      self.receivedDetails.map {
        String(decoding: ByteBuffers.bytes(of: $0.pointee), as: UTF8.self)
      } ?? ""
    if message.isEmpty, code != .ok, let error = self.errorString?.pointee {
      message = String(cString: error)
    }
    let trailers = self.receivedTrailing.map { ByteBuffers.metadata($0.pointee) } ?? Metadata()
    return (code, message, trailers)
  }

  /// Whether the server-side call was cancelled rather than finished with a status.
  var wasCancelled: Bool { (self.cancelledFlag?.pointee ?? 0) != 0 }

  deinit {
    for entries in self.sentMetadata {
      for entry in entries {
        grpc_slice_unref(entry.key)
        grpc_slice_unref(entry.value)
      }
      entries.deallocate()
    }
    if let details = self.sentDetails {
      grpc_slice_unref(details.pointee)
      details.deallocate()
    }
    if let slot = self.receivedBuffer {
      if let buffer = slot.pointee { grpc_byte_buffer_destroy(buffer) }
      slot.deallocate()
    }
    for array in [self.receivedInitial, self.receivedTrailing].compactMap({ $0 }) {
      grpc_metadata_array_destroy(array)
      array.deallocate()
    }
    self.receivedStatus?.deallocate()
    if let details = self.receivedDetails {
      grpc_slice_unref(details.pointee)
      details.deallocate()
    }
    if let error = self.errorString {
      if let text = error.pointee { gpr_free(UnsafeMutableRawPointer(mutating: text)) }
      error.deallocate()
    }
    self.cancelledFlag?.deallocate()
  }
}
