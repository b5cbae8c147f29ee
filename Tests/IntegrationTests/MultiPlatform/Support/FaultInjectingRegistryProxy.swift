// A recording proxy in front of a real registry of the test bed, on 127.0.0.1.
//
// Each client connection carries one HTTP/1.1 request. The proxy reads the request head,
// records the method and path, and then either answers with an injected status (after reading
// the request body the head announces with `Content-Length`) or opens a connection to the real
// registry, sends the head with `Connection: close` (so the registry ends the exchange and
// clients do not reuse the connection) and relays bytes in both directions until the registry
// closes. Bodies, chunked or not, and `100 Continue` pass through untouched, so the proxy works
// for buildkitd's pushes as well as for this project's client. The `Host` header is kept, which
// makes the registry's `Location` headers point back at the proxy. A TLS handshake gets a plain
// HTTP 400, which is how buildkitd learns to fall back to plain HTTP for a loopback registry.

import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A proxy that forwards to a registry, records every request and can fail chosen ones.
final class FaultInjectingRegistryProxy: Sendable {
  /// One request the proxy received.
  struct Exchange: Sendable, Equatable {
    var method: String
    /// The request path without the query.
    var path: String
    /// The status the proxy answered with instead of forwarding, if it did.
    var injectedStatus: Int?
    /// The client's `User-Agent` header.
    var userAgent: String
  }

  /// Decides whether to fail a request: a status to answer with, or nil to forward it.
  typealias Fault = @Sendable (_ method: String, _ path: String) -> Int?

  let port: Int
  private let upstreamPort: UInt16
  private let listener: Int32
  private let fault: Fault
  private let stopping = Atomic<Bool>(false)
  private let acceptorDone = DispatchSemaphore(value: 0)
  private let connections = DispatchGroup()
  private let log = Mutex<[Exchange]>([])

  /// The proxy as a registry host, `127.0.0.1:PORT`.
  var host: String { "127.0.0.1:\(self.port)" }

  /// Every request received so far, in order.
  var exchanges: [Exchange] { self.log.withLock { $0 } }

  /// Starts a proxy.
  /// - Parameters:
  ///   - upstream: The registry, `127.0.0.1:PORT`.
  ///   - fault: Which requests to fail; none by default.
  init(upstream: String, fault: @escaping Fault = { _, _ in nil }) throws {
    guard let colon = upstream.lastIndex(of: ":"), upstream[..<colon] == "127.0.0.1",
      let upstreamPort = UInt16(upstream[upstream.index(after: colon)...])
    else {
      throw MultiPlatformFixtureError("the upstream registry \(upstream) is not 127.0.0.1:PORT")
    }
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else {
      throw MultiPlatformFixtureError("socket: \(String(cString: strerror(errno)))")
    }
    var one: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    var address = Self.loopback(port: 0)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ready = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, length) == 0 && listen(fd, 64) == 0 && getsockname(fd, $0, &length) == 0
      }
    }
    guard ready else {
      let message = String(cString: strerror(errno))
      close(fd)
      throw MultiPlatformFixtureError("cannot listen on 127.0.0.1: \(message)")
    }
    self.listener = fd
    self.port = Int(UInt16(bigEndian: address.sin_port))
    self.upstreamPort = upstreamPort
    self.fault = fault
    Thread { [self] in self.acceptLoop() }.start()
  }

  /// Stops accepting, waits for open exchanges to end, and closes the listening socket.
  func stop() {
    guard !self.stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
    self.acceptorDone.wait()
    self.connections.wait()
    close(self.listener)
  }

  /// Runs `body` with a started proxy and stops it afterwards.
  static func with<T>(
    upstream: String, fault: @escaping Fault = { _, _ in nil },
    _ body: (FaultInjectingRegistryProxy) async throws -> T
  ) async throws -> T {
    let proxy = try FaultInjectingRegistryProxy(upstream: upstream, fault: fault)
    defer { proxy.stop() }
    return try await body(proxy)
  }

  private func acceptLoop() {
    defer { self.acceptorDone.signal() }
    while !self.stopping.load(ordering: .acquiring) {
      var poller = pollfd(fd: self.listener, events: Int16(POLLIN), revents: 0)
      guard poll(&poller, 1, 50) > 0 else { continue }
      let connection = accept(self.listener, nil, nil)
      guard connection >= 0 else { continue }
      self.connections.enter()
      Thread { [self] in
        defer { self.connections.leave() }
        self.serve(connection)
        close(connection)
      }.start()
    }
  }

  private func serve(_ client: Int32) {
    var timeout = timeval(tv_sec: 30, tv_usec: 0)
    setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var buffer: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    var headEnd: Int?
    while headEnd == nil {
      let count = recv(client, &chunk, chunk.count, 0)
      guard count > 0 else { return }
      buffer += chunk[0..<count]
      // A TLS handshake (0x16) instead of a request line: answer in plain HTTP, as a plain
      // server does, so that clients which try HTTPS first see the reply and fall back.
      guard let first = buffer.first, first >= UInt8(ascii: "A"), first <= UInt8(ascii: "Z") else {
        Self.sendAll(
          Array("HTTP/1.0 400 Bad Request\r\n\r\nThis proxy speaks plain HTTP.\n".utf8), to: client)
        return
      }
      headEnd = Self.find([13, 10, 13, 10], in: buffer)
    }
    let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
    var lines = head.components(separatedBy: "\r\n")
    let requestLine = lines.removeFirst().split(separator: " ")
    guard requestLine.count >= 2 else { return }
    let method = String(requestLine[0])
    let path = String(requestLine[1].split(separator: "?", maxSplits: 1).first ?? "")
    let body = Array(buffer[(headEnd! + 4)...])
    let userAgent =
      lines.first { $0.lowercased().hasPrefix("user-agent:") }
      .map { String($0.dropFirst("user-agent:".count)).trimmingCharacters(in: .whitespaces) } ?? ""

    if let status = self.fault(method, path) {
      self.log.withLock {
        $0.append(
          Exchange(method: method, path: path, injectedStatus: status, userAgent: userAgent))
      }
      let length =
        lines.compactMap { line -> Int? in
          let parts = line.split(separator: ":", maxSplits: 1)
          guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
          return Int(parts[1].trimmingCharacters(in: .whitespaces))
        }.first ?? 0
      var received = body.count
      while received < length {
        let count = recv(client, &chunk, chunk.count, 0)
        guard count > 0 else { break }
        received += count
      }
      let reply = #"{"errors":[{"code":"UNKNOWN","message":"injected by the test proxy"}]}"#
      let response =
        "HTTP/1.1 \(status) Injected\r\nContent-Type: application/json\r\n"
        + "Content-Length: \(reply.utf8.count)\r\nConnection: close\r\n\r\n\(reply)"
      Self.sendAll(Array(response.utf8), to: client)
      return
    }
    self.log.withLock {
      $0.append(Exchange(method: method, path: path, injectedStatus: nil, userAgent: userAgent))
    }

    let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard upstream >= 0 else { return }
    defer { close(upstream) }
    var address = Self.loopback(port: self.upstreamPort)
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard connected == 0 else { return }
    let kept = lines.filter { !$0.lowercased().hasPrefix("connection:") && !$0.isEmpty }
    let rewritten =
      ([requestLine.joined(separator: " ")] + kept + ["Connection: close", "", ""])
      .joined(separator: "\r\n")
    guard Self.sendAll(Array(rewritten.utf8) + body, to: upstream) else { return }
    self.relay(client: client, upstream: upstream)
  }

  /// Copies bytes both ways until the registry closes its side.
  private func relay(client: Int32, upstream: Int32) {
    var chunk = [UInt8](repeating: 0, count: 65536)
    var clientOpen = true
    while true {
      var fds = [
        pollfd(fd: upstream, events: Int16(POLLIN), revents: 0),
        pollfd(fd: clientOpen ? client : -1, events: Int16(POLLIN), revents: 0),
      ]
      guard poll(&fds, 2, 30_000) > 0 else { return }
      if fds[0].revents != 0 {
        let count = recv(upstream, &chunk, chunk.count, 0)
        guard count > 0, Self.sendAll(Array(chunk[0..<count]), to: client) else { return }
      }
      if clientOpen, fds[1].revents != 0 {
        let count = recv(client, &chunk, chunk.count, 0)
        if count > 0 {
          guard Self.sendAll(Array(chunk[0..<count]), to: upstream) else { return }
        } else {
          clientOpen = false
          shutdown(upstream, Int32(SHUT_WR))
        }
      }
    }
  }

  @discardableResult
  private static func sendAll(_ bytes: [UInt8], to fd: Int32) -> Bool {
    var offset = 0
    while offset < bytes.count {
      let sent = bytes[offset...].withUnsafeBytes {
        send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
      }
      guard sent > 0 else { return false }
      offset += sent
    }
    return true
  }

  private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard haystack.count >= needle.count else { return nil }
    for start in 0...(haystack.count - needle.count)
    where haystack[start..<(start + needle.count)].elementsEqual(needle) {
      return start
    }
    return nil
  }

  private static func loopback(port: UInt16) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    return address
  }
}

/// A helper of the multi-platform tests failed: the proxy could not start, or a verifier
/// failed.
struct MultiPlatformFixtureError: Error, CustomStringConvertible {
  let description: String

  init(_ description: String) {
    self.description = description
  }
}
