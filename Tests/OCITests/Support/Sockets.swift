import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Small helpers over BSD sockets on 127.0.0.1.
enum Sockets {
  /// A TCP port on 127.0.0.1 that was free a moment ago.
  static func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw SocketError("socket", errno) }
    defer { close(fd) }
    var address = Sockets.loopback(port: 0)
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard bound == 0 else { throw SocketError("bind", errno) }
    return try Sockets.localPort(of: fd)
  }

  static func loopback(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return address
  }

  static func localPort(of fd: Int32) throws -> Int {
    var address = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let status = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard status == 0 else { throw SocketError("getsockname", errno) }
    return Int(UInt16(bigEndian: address.sin_port))
  }

  /// Whether something accepts TCP connections on 127.0.0.1:`port`.
  static func isListening(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = Sockets.loopback(port: port)
    let status = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    return status == 0
  }

  /// Waits until 127.0.0.1:`port` accepts connections, for at most `timeout`.
  static func waitUntilListening(port: Int, timeout: Duration = .seconds(20)) async throws {
    let deadline = ContinuousClock.now + timeout
    while !Sockets.isListening(port: port) {
      guard ContinuousClock.now < deadline else {
        throw SocketError("nothing listens on 127.0.0.1:\(port)", ETIMEDOUT)
      }
      try await Task.sleep(for: .milliseconds(50))
    }
  }
}

struct SocketError: Error, CustomStringConvertible {
  let description: String

  init(_ what: String, _ code: Int32) {
    self.description = "\(what) failed: \(String(cString: strerror(code)))"
  }
}
