// The messages of the session's SSH service (`moby.sshforward.v1`). CheckAgent asks whether an
// agent id is configured; ForwardAgent streams the raw ssh-agent protocol in BytesMessage chunks
// (see FileSync+Messages.swift for that type).

import CBuildKitProtos

extension SSHForward {
  /// A question whether an agent is configured (`moby.sshforward.v1.CheckAgentRequest`).
  public struct CheckAgentRequest: WireMessage, Hashable {
    /// The agent's id; empty means `default`.
    public var id: String

    /// Creates a request; each parameter sets the property of the same name.
    public init(id: String = "") {
      self.id = id
    }
  }

  /// The empty answer to a CheckAgentRequest; the call's status carries the result
  /// (`moby.sshforward.v1.CheckAgentResponse`).
  public struct CheckAgentResponse: WireMessage, Hashable {
    /// Creates the response.
    public init() {}
  }
}

extension SSHForward.CheckAgentRequest: CBackedMessage {
  init(cStruct c: Moby__Sshforward__V1__CheckAgentRequest) {
    self.init(id: .init(cValue: c.id))
  }

  func fill(_ c: inout Moby__Sshforward__V1__CheckAgentRequest, in arena: CArena) {
    c.id = arena.value(self.id)
  }
}

extension SSHForward.CheckAgentResponse: CBackedMessage {
  init(cStruct c: Moby__Sshforward__V1__CheckAgentResponse) {
    self.init()
  }

  func fill(_ c: inout Moby__Sshforward__V1__CheckAgentResponse, in arena: CArena) {}
}
