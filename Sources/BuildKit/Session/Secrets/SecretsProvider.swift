import Foundation
public import GRPC

/// Where a build secret's value comes from.
public enum SecretSource: Sendable, Hashable {
  /// The contents of a file, read when the daemon asks.
  case file(String)
  /// The value of an environment variable, read when the daemon asks.
  case environment(String)
  /// A value held in memory.
  case value([UInt8])
}

/// Serves build secrets (`RUN --mount=type=secret`) to the daemon.
///
/// The daemon calls `Secrets/GetSecret` with a secret id. A known id gets its value; an unknown
/// one NOT_FOUND, which the daemon treats as "not found" (an optional mount is skipped, a
/// required one fails). Values are read only when asked for and never logged.
public struct SecretsProvider: SessionAttachable {
  /// The secrets served, by id.
  public let secrets: [String: SecretSource]
  private let environment: [String: String]

  /// The largest secret served, as the Go client limits it.
  static let sizeLimit = 500 << 10

  /// Creates a provider.
  /// - Parameters:
  ///   - secrets: Secret sources by id.
  ///   - environment: The environment that `environment` sources read from.
  public init(
    secrets: [String: SecretSource],
    environment: [String: String]
  ) {
    self.secrets = secrets
    self.environment = environment
  }

  public var handlers: [String: Server.Handler] {
    let provider = self
    return [
      "/moby.buildkit.secrets.v1.Secrets/GetSecret": { call in
        guard let bytes = try await call.receive() else { return }
        let request = try Secrets.GetSecretRequest(decoding: bytes)
        let value = try provider.value(for: request.id)
        try await call.send(Secrets.GetSecretResponse(data: value).encoded())
      }
    ]
  }

  /// The value of a secret.
  /// - Throws: ``GRPCError`` NOT_FOUND for an unknown id, or naming the source that cannot be read.
  func value(for id: String) throws(GRPCError) -> [UInt8] {
    guard let source = self.secrets[id] else {
      throw GRPCError.status(.notFound, "secret \(id) not found")
    }
    let value: [UInt8]
    switch source {
    case .value(let bytes):
      value = bytes
    case .environment(let name):
      guard let text = self.environment[name] else {
        throw GRPCError.status(.notFound, "secret \(id): environment variable \(name) is not set")
      }
      value = Array(text.utf8)
    case .file(let path):
      guard let data = FileManager.default.contents(atPath: path) else {
        throw GRPCError.status(.notFound, "secret \(id): cannot read file \(path)")
      }
      value = Array(data)
    }
    guard value.count <= Self.sizeLimit else {
      throw GRPCError.status(.invalidArgument, "secret \(id) is larger than 500 KiB")
    }
    return value
  }
}
