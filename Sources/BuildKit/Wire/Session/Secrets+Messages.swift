// The messages of the session's Secrets service (`moby.buildkit.secrets.v1`): the daemon asks for
// a secret by id and gets its bytes, or the status NOT_FOUND.

import CBuildKitProtos

extension Secrets {
  /// A request for a secret (`moby.buildkit.secrets.v1.GetSecretRequest`).
  public struct GetSecretRequest: WireMessage, Hashable {
    /// The secret's id.
    public var id: String
    /// Extra context from the daemon.
    public var annotations: [String: String]

    /// Creates a request; each parameter sets the property of the same name.
    public init(id: String = "", annotations: [String: String] = [:]) {
      self.id = id
      self.annotations = annotations
    }
  }

  /// A secret's value (`moby.buildkit.secrets.v1.GetSecretResponse`).
  public struct GetSecretResponse: WireMessage, Hashable {
    /// The secret.
    public var data: [UInt8]

    /// Creates a response; each parameter sets the property of the same name.
    public init(data: [UInt8] = []) {
      self.data = data
    }
  }
}

extension Secrets.GetSecretRequest: CBackedMessage {
  init(cStruct c: Moby__Buildkit__Secrets__V1__GetSecretRequest) {
    self.init(
      id: .init(cValue: c.id),
      annotations: .init(count: c.n_annotations, cEntries: c.annotations)
    )
  }

  func fill(_ c: inout Moby__Buildkit__Secrets__V1__GetSecretRequest, in arena: CArena) {
    c.id = arena.value(self.id)
    (c.n_annotations, c.annotations) = arena.map(self.annotations)
  }
}

extension Secrets.GetSecretResponse: CBackedMessage {
  init(cStruct c: Moby__Buildkit__Secrets__V1__GetSecretResponse) {
    self.init(data: .init(cValue: c.data))
  }

  func fill(_ c: inout Moby__Buildkit__Secrets__V1__GetSecretResponse, in arena: CArena) {
    c.data = arena.value(self.data)
  }
}
