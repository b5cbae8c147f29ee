import Foundation
import Synchronization
import Testing

@testable import OCI

#if canImport(Glibc)
  import Glibc
#endif

/// A tiny HTTP server on 127.0.0.1 that answers each request it reads with the next of a list
/// of raw responses, byte for byte, keeping the connection open unless told to close it.
final class ScriptedServer: Sendable {
  /// One scripted answer.
  struct Answer: Sendable {
    var bytes: [UInt8]
    /// Close the connection after sending.
    var close: Bool

    init(_ text: String, close: Bool = false) {
      self.bytes = Array(text.utf8)
      self.close = close
    }
  }

  /// A request as the server read it.
  struct Received: Sendable {
    var head: String
    var body: [UInt8]
  }

  let port: Int
  private let listener: Int32
  private let answers: Mutex<[Answer]>
  private let received = Mutex<[Received]>([])
  private let connectionCount = Atomic<Int>(0)
  private let stopping = Atomic<Bool>(false)
  private let finished = DispatchSemaphore(value: 0)

  var host: String { "127.0.0.1:\(self.port)" }
  var requests: [Received] { self.received.withLock { $0 } }
  var connections: Int { self.connectionCount.load(ordering: .acquiring) }

  init(_ answers: [Answer]) throws {
    let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard listener >= 0 else { throw SocketError("socket", errno) }
    var address = Sockets.loopback(port: 0)
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard bound == 0, listen(listener, 8) == 0 else {
      close(listener)
      throw SocketError("bind", errno)
    }
    self.listener = listener
    self.port = try Sockets.localPort(of: listener)
    self.answers = Mutex(answers)
    let thread = Thread { [self] in self.serve() }
    thread.start()
  }

  func stop() {
    self.stopping.store(true, ordering: .releasing)
    self.finished.wait()
    close(self.listener)
  }

  static func with<T>(_ answers: [Answer], _ body: (ScriptedServer) async throws -> T)
    async throws -> T
  {
    let server = try ScriptedServer(answers)
    defer { server.stop() }
    return try await body(server)
  }

  private func serve() {
    defer { self.finished.signal() }
    while !self.stopping.load(ordering: .acquiring) {
      var poller = pollfd(fd: self.listener, events: Int16(POLLIN), revents: 0)
      guard poll(&poller, 1, 50) > 0 else { continue }
      let connection = accept(self.listener, nil, nil)
      guard connection >= 0 else { continue }
      self.connectionCount.add(1, ordering: .releasing)
      var timeout = timeval(tv_sec: 60, tv_usec: 0)
      setsockopt(
        connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
      self.handle(connection)
      close(connection)
    }
  }

  /// Answers requests on one connection until it closes or an answer says to close.
  private func handle(_ connection: Int32) {
    var buffer: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      var headEnd: Int?
      while headEnd == nil {
        if let end = ScriptedServer.find(buffer) {
          headEnd = end
          break
        }
        let count = recv(connection, &chunk, chunk.count, 0)
        guard count > 0 else { return }
        buffer += chunk[0..<count]
      }
      let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
      buffer.removeFirst(headEnd! + 4)
      var length = 0
      for line in head.components(separatedBy: "\r\n") {
        let parts = line.split(separator: ":", maxSplits: 1)
        if parts.count == 2, parts[0].lowercased() == "content-length" {
          length = Int(parts[1].trimmingCharacters(in: .whitespaces)) ?? 0
        }
      }
      while buffer.count < length {
        let count = recv(connection, &chunk, chunk.count, 0)
        guard count > 0 else { return }
        buffer += chunk[0..<count]
      }
      let body = Array(buffer[0..<length])
      buffer.removeFirst(length)
      self.received.withLock { $0.append(Received(head: head, body: body)) }
      guard let answer = self.answers.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else {
        return
      }
      var offset = 0
      while offset < answer.bytes.count {
        let sent = answer.bytes[offset...].withUnsafeBytes {
          send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
        }
        guard sent > 0 else { return }
        offset += sent
      }
      if answer.close { return }
    }
  }

  private static func find(_ bytes: [UInt8]) -> Int? {
    guard bytes.count >= 4 else { return nil }
    for index in 0...(bytes.count - 4)
    where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13
      && bytes[index + 3] == 10
    {
      return index
    }
    return nil
  }
}

@Suite("HTTPClient against a scripted HTTP/1.1 server")
struct HTTPClientTests {
  static func client() -> HTTPClient {
    HTTPClient(timeout: .seconds(10), certificateAuthorityFile: nil, unverifiedHosts: [])
  }

  static func get(_ client: HTTPClient, _ server: ScriptedServer, _ path: String) async throws
    -> HTTPClientResponse
  {
    try await client.send(
      method: "GET", url: URL(string: "http://\(server.host)\(path)")!, headers: [:],
      body: .none, sink: nil)
  }

  @Test("a chunked body is decoded, with chunk extensions and trailers skipped")
  func chunked() async throws {
    let chunked =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Test: a\r\n\r\n"
      + "5\r\nhello\r\n" + "1;name=value\r\n,\r\n" + "B\r\n chunked wo\r\n" + "3\r\nrld\r\n"
      + "0\r\nX-Trailer: t\r\n\r\n"
    try await ScriptedServer.with([.init(chunked)]) { server in
      let response = try await Self.get(Self.client(), server, "/chunked")
      #expect(response.status == 200)
      #expect(String(decoding: response.body, as: UTF8.self) == "hello, chunked world")
      #expect(response.headers["x-test"] == "a")
      #expect(server.requests.first?.head.hasPrefix("GET /chunked HTTP/1.1\r\n") == true)
      #expect(server.requests.first?.head.contains("Host: \(server.host)") == true)
    }
  }

  @Test("a kept-alive connection is reused for the next request after a chunked body")
  func reuse() async throws {
    let answers: [ScriptedServer.Answer] = [
      .init("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\none\r\n0\r\n\r\n"),
      .init("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo"),
    ]
    try await ScriptedServer.with(answers) { server in
      let client = Self.client()
      let first = try await Self.get(client, server, "/1")
      let second = try await Self.get(client, server, "/2")
      #expect(String(decoding: first.body, as: UTF8.self) == "one")
      #expect(String(decoding: second.body, as: UTF8.self) == "two")
      #expect(server.connections == 1)
    }
  }

  @Test("a body without length runs until the server closes, and a new connection follows")
  func untilClose() async throws {
    let answers: [ScriptedServer.Answer] = [
      .init("HTTP/1.1 200 OK\r\n\r\nall of it", close: true),
      .init("HTTP/1.1 204 No Content\r\n\r\n"),
    ]
    try await ScriptedServer.with(answers) { server in
      let client = Self.client()
      let first = try await Self.get(client, server, "/a")
      let second = try await Self.get(client, server, "/b")
      #expect(String(decoding: first.body, as: UTF8.self) == "all of it")
      #expect(second.status == 204)
      #expect(second.body.isEmpty)
      #expect(server.connections == 2)
    }
  }

  @Test("a file body is streamed with its Content-Length")
  func fileUpload() async throws {
    try await TemporaryDirectory.with { (directory) async throws in
      let content = String(repeating: "0123456789", count: 50_000)
      let file = try directory.write("upload", content)
      try await ScriptedServer.with([.init("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")]) {
        server in
        let response = try await Self.client().send(
          method: "PUT", url: URL(string: "http://\(server.host)/upload?x=1")!,
          headers: ["Content-Type": "application/octet-stream"], body: .file(file), sink: nil)
        #expect(response.status == 201)
        let request = try #require(server.requests.first)
        #expect(request.head.hasPrefix("PUT /upload?x=1 HTTP/1.1\r\n"))
        #expect(request.head.contains("Content-Length: \(content.utf8.count)"))
        #expect(request.body == Array(content.utf8))
      }
    }
  }

  @Test("a server that hangs up without replying fails as a dropped connection")
  func hangUp() async throws {
    try await ScriptedServer.with([]) { server in
      let error = await #expect(throws: HTTPClientError.self) {
        _ = try await Self.get(Self.client(), server, "/")
      }
      #expect(error?.kind == .closed)
      #expect(error?.isTransient == true)
    }
  }

  @Test("cancelling the task stops a request that waits for a reply that never comes")
  func cancellation() async throws {
    // A listener that never accepts: the connection completes in its backlog, and the request
    // is written, but no reply ever comes.
    let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(listener) }
    var address = Sockets.loopback(port: 0)
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    try #require(bound == 0 && listen(listener, 4) == 0)
    let port = try Sockets.localPort(of: listener)
    let client = HTTPClient(
      timeout: .seconds(600), certificateAuthorityFile: nil, unverifiedHosts: [])
    let outcome = await withTaskGroup(of: (any Error)?.self) { group in
      group.addTask {
        do {
          _ = try await client.send(
            method: "GET", url: URL(string: "http://127.0.0.1:\(port)/never")!, headers: [:],
            body: .none, sink: nil)
          return nil
        } catch {
          return error
        }
      }
      try? await Task.sleep(for: .milliseconds(200))
      group.cancelAll()
      return await group.next() ?? nil
    }
    let error = try #require(outcome as? HTTPClientError)
    #expect(error.kind == .cancelled)
  }

  @Test("a CA file without certificates is refused, naming the file")
  func badCAFile() async throws {
    try await TemporaryDirectory.with { (directory) async throws in
      let file = try directory.write("ca.pem", "not a certificate\n")
      try await ScriptedServer.with([]) { server in
        let client = RegistryClient(
          configuration: .init(
            credentials: StaticCredentials([:]), certificateAuthorityFile: file.path,
            retry: .none))
        let error = await #expect(throws: OCIError.self) { try await client.ping(server.host) }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains(file.path) == true)
        #expect(error?.message.contains("no PEM certificate") == true)
        #expect(server.connections == 0)
      }
    }
  }
}
