/// Where a gRPC server listens: a unix socket or a TCP host and port.
///
/// Addresses are written the way buildctl takes them: `unix:///run/buildkit/buildkitd.sock` or
/// `tcp://127.0.0.1:1234`.
public enum Address: Hashable, Sendable, CustomStringConvertible {
  /// A unix domain socket at an absolute or relative path.
  case unix(path: String)
  /// A TCP endpoint.
  case tcp(host: String, port: Int)

  /// Parses an address.
  /// - Parameter text: `unix://PATH` or `tcp://HOST:PORT` (IPv6 hosts in brackets).
  /// - Throws: ``GRPCError`` with code ``GRPCError/Code/invalidAddress`` naming the text.
  public init(parsing text: String) throws(GRPCError) {
    if text.hasPrefix("unix://") {
      let path = String(text.dropFirst("unix://".count))
      guard !path.isEmpty else {
        throw Self.invalid(text, "it names no socket path; write unix:///path/to/buildkitd.sock")
      }
      self = .unix(path: path)
      return
    }
    guard text.hasPrefix("tcp://") else {
      throw Self.invalid(text, "use unix://PATH or tcp://HOST:PORT")
    }
    var rest = Substring(text.dropFirst("tcp://".count))
    if rest.hasSuffix("/") { rest = rest.dropLast() }
    guard let colon = rest.lastIndex(of: ":") else {
      throw Self.invalid(text, "it has no port; write tcp://HOST:PORT")
    }
    var host = rest[..<colon]
    if host.hasPrefix("["), host.hasSuffix("]") {
      host = host.dropFirst().dropLast()
    }
    guard !host.isEmpty else {
      throw Self.invalid(text, "it has no host; write tcp://HOST:PORT")
    }
    guard let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port) else {
      throw Self.invalid(text, "its port is not a number from 1 to 65535")
    }
    self = .tcp(host: String(host), port: port)
  }

  private static func invalid(_ text: String, _ advice: String) -> GRPCError {
    GRPCError(code: .invalidAddress, message: "invalid address \"\(text)\": \(advice)")
  }

  /// The target string C-core resolves.
  var coreTarget: String {
    switch self {
    case .unix(let path):
      return path.hasPrefix("/") ? "unix://\(path)" : "unix:\(path)"
    case .tcp(let host, let port):
      return host.contains(":") ? "dns:///[\(host)]:\(port)" : "dns:///\(host):\(port)"
    }
  }

  /// The host name, for TLS verification.
  var host: String {
    switch self {
    case .unix: return "localhost"
    case .tcp(let host, _): return host
    }
  }

  public var description: String {
    switch self {
    case .unix(let path):
      return "unix://\(path)"
    case .tcp(let host, let port):
      return host.contains(":") ? "tcp://[\(host)]:\(port)" : "tcp://\(host):\(port)"
    }
  }
}
