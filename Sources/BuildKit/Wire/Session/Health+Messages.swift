// The messages of the standard gRPC health check (`grpc.health.v1`). Inside a session the daemon
// calls Health/Check every few seconds with an empty request; the client answers SERVING, which
// encodes as the two bytes 08 01.

import CBuildKitProtos

extension Health {
  /// A health check (`grpc.health.v1.HealthCheckRequest`).
  public struct HealthCheckRequest: WireMessage, Hashable {
    /// The service to check; empty means the whole server.
    public var service: String

    /// Creates a request; each parameter sets the property of the same name.
    public init(service: String = "") {
      self.service = service
    }
  }

  /// The state a health check reports (`grpc.health.v1.HealthCheckResponse.ServingStatus`).
  public struct ServingStatus: Hashable, Sendable {
    /// The enum's number on the wire.
    public var rawValue: Int32

    /// Wraps a number from the wire; unknown numbers are kept as they are.
    public init(rawValue: Int32) {
      self.rawValue = rawValue
    }

    /// Not known.
    public static let unknown = ServingStatus(rawValue: 0)
    /// Serving requests.
    public static let serving = ServingStatus(rawValue: 1)
    /// Not serving requests.
    public static let notServing = ServingStatus(rawValue: 2)
    /// The named service does not exist.
    public static let serviceUnknown = ServingStatus(rawValue: 3)
  }

  /// The answer to a health check (`grpc.health.v1.HealthCheckResponse`).
  public struct HealthCheckResponse: WireMessage, Hashable {
    /// The state.
    public var status: ServingStatus

    /// Creates a response; each parameter sets the property of the same name.
    public init(status: ServingStatus = .unknown) {
      self.status = status
    }
  }
}

extension Health.ServingStatus: WireEnum {
  typealias CValue = Grpc__Health__V1__HealthCheckResponse__ServingStatus
}

extension Health.HealthCheckRequest: CBackedMessage {
  init(cStruct c: Grpc__Health__V1__HealthCheckRequest) {
    self.init(service: .init(cValue: c.service))
  }

  func fill(_ c: inout Grpc__Health__V1__HealthCheckRequest, in arena: CArena) {
    c.service = arena.value(self.service)
  }
}

extension Health.HealthCheckResponse: CBackedMessage {
  init(cStruct c: Grpc__Health__V1__HealthCheckResponse) {
    self.init(status: .init(cValue: c.status))
  }

  func fill(_ c: inout Grpc__Health__V1__HealthCheckResponse, in arena: CArena) {
    c.status = arena.value(self.status)
  }
}
