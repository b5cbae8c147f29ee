// A deliberately tiny HTTP/1.0 client for probing the test bed's plain-HTTP registries: it sends
// one `GET` over a fresh TCP connection to a loopback address and reads the status line of the
// answer. No proxy settings, redirects or TLS are involved, so what it reports is exactly what the
// registry said. HTTPS endpoints are probed with `openssl s_client` through `Subprocess` instead.

import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Sends single HTTP/1.0 requests to 127.0.0.1.
enum LoopbackHTTP {
  /// Sends `GET path` to a loopback host and returns the status code of the answer.
  ///
  /// - Parameters:
  ///   - path: The request target, such as `/v2/`.
  ///   - hostPort: `127.0.0.1:PORT`.
  ///   - headers: Extra request headers, such as `Authorization`.
  ///   - timeout: How long to wait for the connection and the answer.
  /// - Returns: The status code of the answer, such as 200 or 401.
  /// - Throws: `LoopbackHTTPError` when the address is not `127.0.0.1:PORT`, the connection fails,
  ///   or the answer does not start with an HTTP status line.
  static func status(
    of path: String,
    at hostPort: String,
    headers: [String: String] = [:],
    timeout: Duration = .seconds(10)
  ) throws(LoopbackHTTPError) -> Int {
    let parts = hostPort.split(separator: ":")
    guard parts.count == 2, parts[0] == "127.0.0.1", let port = UInt16(parts[1]) else {
      throw LoopbackHTTPError(
        code: .invalidAddress, message: "\(hostPort) is not a 127.0.0.1:PORT address")
    }
    #if canImport(Glibc)
      let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
      let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else {
      throw LoopbackHTTPError(
        code: .connectionFailed,
        message: "cannot open a socket: \(String(cString: strerror(errno)))")
    }
    defer { close(fd) }

    let seconds = timeout.components.seconds
    var limit = timeval(tv_sec: Int(seconds), tv_usec: 0)
    _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))

    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    let connected = withUnsafePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard connected == 0 else {
      throw LoopbackHTTPError(
        code: .connectionFailed,
        message: "cannot connect to \(hostPort): \(String(cString: strerror(errno))); "
          + "is the test bed running (Scripts/testbed status)?")
    }

    var request = "GET \(path) HTTP/1.0\r\nHost: \(hostPort)\r\nConnection: close\r\n"
    for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
      request += "\(name): \(value)\r\n"
    }
    request += "\r\n"
    let bytes = Array(request.utf8)
    var sent = 0
    while sent < bytes.count {
      let count = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
      guard count > 0 else {
        throw LoopbackHTTPError(
          code: .connectionFailed,
          message: "cannot send to \(hostPort): \(String(cString: strerror(errno)))")
      }
      sent += count
    }

    var answer: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1024)
    while !answer.contains(UInt8(ascii: "\n")) && answer.count < 8192 {
      let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
      guard count > 0 else { break }
      answer += buffer[..<count]
    }
    let statusLine = String(decoding: answer.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
    let fields = statusLine.split(separator: " ")
    guard fields.count >= 2, fields[0].hasPrefix("HTTP/"), let code = Int(fields[1]) else {
      throw LoopbackHTTPError(
        code: .malformedAnswer,
        message: "\(hostPort) answered GET \(path) without an HTTP status line: \(statusLine)")
    }
    return code
  }

  /// The value of an `Authorization` header for HTTP basic authentication.
  ///
  /// - Parameters:
  ///   - user: The user name.
  ///   - password: The password.
  /// - Returns: `Basic ` followed by the base64 of `user:password`.
  static func basicAuthorization(user: String, password: String) -> String {
    "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
  }
}

/// A failure to get an HTTP status from a loopback address.
struct LoopbackHTTPError: Error, CustomStringConvertible {
  /// What kind of failure this is.
  struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Kind: String {
      case invalidAddress, connectionFailed, malformedAnswer
    }
    private let kind: Kind

    /// The address is not `127.0.0.1:PORT`.
    static let invalidAddress = Code(kind: .invalidAddress)
    /// The socket could not be opened, connected or written.
    static let connectionFailed = Code(kind: .connectionFailed)
    /// The answer did not start with an HTTP status line.
    static let malformedAnswer = Code(kind: .malformedAnswer)

    /// The code's name.
    var description: String { self.kind.rawValue }
  }

  /// What kind of failure this is.
  let code: Code
  /// What failed and what to do about it.
  let message: String
  /// The underlying error, if any.
  let cause: (any Error)?

  /// Creates an error.
  ///
  /// - Parameters:
  ///   - code: What kind of failure this is.
  ///   - message: What failed and what to do about it.
  ///   - cause: The underlying error, if any.
  init(code: Code, message: String, cause: (any Error)? = nil) {
    self.code = code
    self.message = message
    self.cause = cause
  }

  /// The message.
  var description: String { self.message }
}
