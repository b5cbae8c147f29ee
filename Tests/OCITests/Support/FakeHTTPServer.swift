// A tiny HTTP/1.1 server on 127.0.0.1 for tests that need a peer to misbehave on purpose:
// answer 500 or 429, drop the connection, challenge for Bearer tokens, redirect, or return
// corrupt content. Each connection carries one request and is closed after the response.
// Requests are handled one at a time on a dedicated thread; the server stops when asked.

import Foundation
import Synchronization

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

final class FakeHTTPServer: Sendable {
  struct Request: Sendable {
    var method: String
    /// The request target: path and query.
    var target: String
    /// Header values by lowercased name.
    var headers: [String: String]
    var body: Data

    var path: String { String(self.target.split(separator: "?", maxSplits: 1).first ?? "") }

    var query: [String: [String]] {
      guard let components = URLComponents(string: "http://x\(self.target)") else { return [:] }
      var result: [String: [String]] = [:]
      for item in components.queryItems ?? [] {
        result[item.name, default: []].append(item.value ?? "")
      }
      return result
    }
  }

  struct Response: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: Data
    /// Close the connection without answering.
    var drop = false

    init(status: Int, headers: [(String, String)] = [], body: Data = Data()) {
      self.status = status
      self.headers = headers
      self.body = body
    }

    static func json(_ status: Int, _ text: String, headers: [(String, String)] = []) -> Response {
      Response(
        status: status, headers: [("Content-Type", "application/json")] + headers,
        body: Data(text.utf8))
    }

    static var dropped: Response {
      var response = Response(status: 0)
      response.drop = true
      return response
    }
  }

  typealias Handler = @Sendable (Request) -> Response

  let port: Int
  private let listener: Int32
  private let handler: Handler
  private let stopping = Atomic<Bool>(false)
  private let finished = DispatchSemaphore(value: 0)
  private let recorded = Mutex<[Request]>([])

  var host: String { "127.0.0.1:\(self.port)" }
  var baseURL: String { "http://127.0.0.1:\(self.port)" }

  /// Every request received so far, in order.
  var requests: [Request] { self.recorded.withLock { $0 } }

  init(handler: @escaping Handler) throws {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw SocketError("socket", errno) }
    var one: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    var address = Sockets.loopback(port: 0)
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard bound == 0, listen(fd, 64) == 0 else {
      let code = errno
      close(fd)
      throw SocketError("bind/listen", code)
    }
    self.listener = fd
    self.port = try Sockets.localPort(of: fd)
    self.handler = handler
    let thread = Thread { [self] in self.serve() }
    thread.start()
  }

  /// Stops accepting connections and waits for the serving thread to end.
  func stop() {
    guard !self.stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
    self.finished.wait()
    close(self.listener)
  }

  /// Runs `body` with a started server and stops it afterwards.
  static func with<T>(
    handler: @escaping Handler, _ body: (FakeHTTPServer) async throws -> T
  ) async throws -> T {
    let server = try FakeHTTPServer(handler: handler)
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
      var timeout = timeval(tv_sec: 5, tv_usec: 0)
      setsockopt(
        connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
      self.handle(connection)
      close(connection)
    }
  }

  private func handle(_ connection: Int32) {
    var buffer = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 65536)
    var headerEnd: Int?
    while headerEnd == nil {
      let count = recv(connection, &chunk, chunk.count, 0)
      guard count > 0 else { return }
      buffer += chunk[0..<count]
      // Not HTTP (a TLS ClientHello starts with 0x16): hang up at once, as a plain server would.
      guard let first = buffer.first, first >= UInt8(ascii: "A"), first <= UInt8(ascii: "Z") else {
        return
      }
      headerEnd = FakeHTTPServer.find([13, 10, 13, 10], in: buffer)
    }
    let head = String(decoding: buffer[0..<headerEnd!], as: UTF8.self)
    var lines = head.components(separatedBy: "\r\n")
    let requestLine = lines.removeFirst().split(separator: " ")
    guard requestLine.count >= 2 else { return }
    var headers: [String: String] = [:]
    for line in lines {
      guard let colon = line.firstIndex(of: ":") else { continue }
      headers[line[..<colon].lowercased()] = line[line.index(after: colon)...]
        .trimmingCharacters(in: .whitespaces)
    }
    if headers["expect"]?.lowercased() == "100-continue" {
      FakeHTTPServer.send(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8), on: connection)
    }
    let length = Int(headers["content-length"] ?? "0") ?? 0
    var body = Array(buffer[(headerEnd! + 4)...])
    while body.count < length {
      let count = recv(connection, &chunk, chunk.count, 0)
      guard count > 0 else { return }
      body += chunk[0..<count]
    }
    let request = Request(
      method: String(requestLine[0]), target: String(requestLine[1]), headers: headers,
      body: Data(body))
    self.recorded.withLock { $0.append(request) }
    let response = self.handler(request)
    guard !response.drop else { return }
    var text = "HTTP/1.1 \(response.status) \(FakeHTTPServer.reason(response.status))\r\n"
    var names = Set<String>()
    for (name, value) in response.headers {
      text += "\(name): \(value)\r\n"
      names.insert(name.lowercased())
    }
    if !names.contains("content-length") {
      text += "Content-Length: \(response.body.count)\r\n"
    }
    text += "Connection: close\r\n\r\n"
    var bytes = Array(text.utf8)
    if request.method != "HEAD" {
      bytes += response.body
    }
    FakeHTTPServer.send(bytes, on: connection)
  }

  private static func send(_ bytes: [UInt8], on connection: Int32) {
    var offset = 0
    while offset < bytes.count {
      let sent = bytes[offset...].withUnsafeBytes {
        Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
      }
      guard sent > 0 else { return }
      offset += sent
    }
  }

  private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard haystack.count >= needle.count else { return nil }
    for start in 0...(haystack.count - needle.count)
    where haystack[start..<(start + needle.count)].elementsEqual(needle) {
      return start
    }
    return nil
  }

  private static func reason(_ status: Int) -> String {
    switch status {
    case 200: return "OK"
    case 201: return "Created"
    case 202: return "Accepted"
    case 307: return "Temporary Redirect"
    case 401: return "Unauthorized"
    case 404: return "Not Found"
    case 429: return "Too Many Requests"
    case 500: return "Internal Server Error"
    default: return "Status"
    }
  }
}

/// Forwards a fake server's request to a real server and returns its answer, with `Location`
/// headers rewritten to point back at the fake server. Runs synchronously on the fake server's
/// thread.
func forward(_ request: FakeHTTPServer.Request, to upstream: String, from proxy: String)
  -> FakeHTTPServer.Response
{
  var urlRequest = URLRequest(url: URL(string: "http://\(upstream)\(request.target)")!)
  urlRequest.httpMethod = request.method
  for (name, value) in request.headers
  where !["host", "content-length", "connection", "expect"].contains(name) {
    urlRequest.setValue(value, forHTTPHeaderField: name)
  }
  if !request.body.isEmpty || ["PUT", "PATCH", "POST"].contains(request.method) {
    urlRequest.httpBody = request.body
  }
  let result = Mutex<FakeHTTPServer.Response?>(nil)
  let done = DispatchSemaphore(value: 0)
  let task = URLSession.shared.dataTask(with: urlRequest) { data, response, _ in
    defer { done.signal() }
    guard let http = response as? HTTPURLResponse else { return }
    var headers: [(String, String)] = []
    for (name, value) in http.allHeaderFields {
      guard let name = name as? String, var value = value as? String else { continue }
      if name.lowercased() == "content-length" { continue }
      if name.lowercased() == "location" {
        value = value.replacingOccurrences(of: "http://\(upstream)", with: "http://\(proxy)")
      }
      headers.append((name, value))
    }
    result.withLock {
      $0 = FakeHTTPServer.Response(status: http.statusCode, headers: headers, body: data ?? Data())
    }
  }
  task.resume()
  done.wait()
  return result.withLock { $0 } ?? FakeHTTPServer.Response(status: 502)
}
