// Google's well-known messages as BuildKit uses them: timestamps on progress and history, and the
// rich status that carries structured build errors (its `Any` details hold JSON, not protobuf).

import CBuildKitProtos

extension Google {
  /// A point in time: seconds and nanoseconds since the Unix epoch (`google.protobuf.Timestamp`).
  public struct Timestamp: WireMessage, Hashable {
    /// Whole seconds since 1970-01-01T00:00:00Z; negative before it.
    public var seconds: Int64
    /// Nanoseconds within the second, 0 to 999,999,999.
    public var nanos: Int32

    /// Creates a timestamp; each parameter sets the property of the same name.
    public init(seconds: Int64 = 0, nanos: Int32 = 0) {
      self.seconds = seconds
      self.nanos = nanos
    }
  }

  /// A value of any message type tagged with a URL naming the type (`google.protobuf.Any`).
  public struct `Any`: WireMessage, Hashable {
    /// The type of `value`, e.g. `github.com/moby/buildkit/errdefs.Vertex+json`.
    public var typeURL: String
    /// The encoded value; JSON when the type URL ends in `+json`.
    public var value: [UInt8]

    /// Creates a value; each parameter sets the property of the same name.
    public init(typeURL: String = "", value: [UInt8] = []) {
      self.typeURL = typeURL
      self.value = value
    }
  }

  /// The rich gRPC status of a failed call (`google.rpc.Status`).
  public struct RPCStatus: WireMessage, Hashable {
    /// The gRPC status code.
    public var code: Int32
    /// The error text.
    public var message: String
    /// Structured details.
    public var details: [Google.`Any`]

    /// Creates a status; each parameter sets the property of the same name.
    public init(code: Int32 = 0, message: String = "", details: [Google.`Any`] = []) {
      self.code = code
      self.message = message
      self.details = details
    }
  }
}

extension Google.Timestamp: CBackedMessage {
  init(cStruct c: Google__Protobuf__Timestamp) {
    self.init(seconds: c.seconds, nanos: c.nanos)
  }

  func fill(_ c: inout Google__Protobuf__Timestamp, in arena: CArena) {
    c.seconds = self.seconds
    c.nanos = self.nanos
  }
}

extension Google.`Any`: CBackedMessage {
  init(cStruct c: Google__Protobuf__Any) {
    self.init(typeURL: .init(cValue: c.type_url), value: .init(cValue: c.value))
  }

  func fill(_ c: inout Google__Protobuf__Any, in arena: CArena) {
    c.type_url = arena.value(self.typeURL)
    c.value = arena.value(self.value)
  }
}

extension Google.RPCStatus: CBackedMessage {
  init(cStruct c: Google__Rpc__Status) {
    self.init()
    self.code = c.code
    self.message = .init(cValue: c.message)
    self.details = .init(count: c.n_details, cValues: c.details)
  }

  func fill(_ c: inout Google__Rpc__Status, in arena: CArena) {
    c.code = self.code
    c.message = arena.value(self.message)
    (c.n_details, c.details) = arena.list(self.details)
  }
}
