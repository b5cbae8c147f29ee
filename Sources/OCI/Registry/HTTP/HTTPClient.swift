// A small HTTP/1.1 client for the registry client.
//
// HTTP/1.1 in brief, as used here: a request is a request line (`GET /v2/ HTTP/1.1`), header
// lines (`Host` always, `Content-Length` whenever there is a body or the method carries one) and
// an empty line, then the body. A response is a status line (`HTTP/1.1 200 OK`), header lines and
// an empty line, then a body framed in one of three ways: `Transfer-Encoding: chunked` (pieces
// each preceded by their size in hexadecimal on a line of its own, ended by a piece of size 0 and
// optional trailer lines), `Content-Length`, or, failing both, everything until the server
// closes the connection. Responses to HEAD, and 204 and 304 responses, have no body; 1xx
// responses are interim and skipped. An HTTP/1.1 connection stays open for further requests
// unless either side says `Connection: close` or the body ran until the close.
//
// Open connections are kept, a few per server, and reused; a kept connection the server has
// closed meanwhile is noticed before use, or when the request on it gets no reply at all, and
// the request is then sent once more on a new connection.
//
// Socket I/O blocks, so each exchange runs on a thread of its own, never on the threads of
// Swift's cooperative pool; the awaiting task is resumed when the exchange ends, and cancelling
// the task shuts the socket down so that the blocked thread returns at once.

import Foundation
import Synchronization

/// A response as the HTTP client read it.
struct HTTPClientResponse: Sendable {
  var status: Int
  /// Header values by lowercased name; repeated headers are joined with ", ".
  var headers: [String: String]
  /// The body, unless it went to the download sink.
  var body: Data
}

/// Sends HTTP/1.1 requests over pooled connections, with TLS for `https` URLs.
final class HTTPClient: Sendable {
  private let timeout: Duration
  private let certificateAuthorityFile: String?
  private let unverifiedHosts: Set<String>
  /// The TLS contexts, made on first use: loading the system's CA certificates takes longer
  /// than many whole exchanges with a plain-HTTP registry.
  private let contexts = Mutex<
    (
      verifying: Result<TLSContext, HTTPClientError>?,
      unverified: Result<TLSContext, HTTPClientError>?
    )
  >((nil, nil))
  private let idle = Mutex<[String: [HTTPConnection]]>([:])
  private let maxIdlePerServer = 4

  /// Creates a client.
  /// - Parameters:
  ///   - timeout: The bound on connecting and on each wait for data.
  ///   - certificateAuthorityFile: A PEM file of CA certificates trusted besides the system's;
  ///     it is read when the first verified TLS connection is made.
  ///   - unverifiedHosts: Hosts (`host[:port]`) whose TLS certificates are not verified.
  init(timeout: Duration, certificateAuthorityFile: String?, unverifiedHosts: Set<String>) {
    self.timeout = timeout
    self.unverifiedHosts = unverifiedHosts
    self.certificateAuthorityFile = certificateAuthorityFile
  }

  /// The TLS context for a server, made and kept on first use.
  private func tlsContext(verify: Bool) throws(HTTPClientError) -> TLSContext {
    let result = self.contexts.withLock { contexts in
      if let made = verify ? contexts.verifying : contexts.unverified { return made }
      let made = verify ? self.makeVerifyingContext() : Self.makeUnverifiedContext()
      if verify { contexts.verifying = made } else { contexts.unverified = made }
      return made
    }
    return try result.get()
  }

  private func makeVerifyingContext() -> Result<TLSContext, HTTPClientError> {
    var extra: String?
    if let file = self.certificateAuthorityFile {
      do {
        extra = try String(contentsOfFile: file, encoding: .utf8)
      } catch {
        return .failure(
          HTTPClientError(.configuration, "cannot read the CA file \(file): \(error)"))
      }
    }
    do {
      return .success(try TLSContext(verify: true, extraCertificates: extra))
    } catch {
      var failure = error
      if let file = self.certificateAuthorityFile {
        failure.reason = "cannot use the CA file \(file): \(error.reason)"
      }
      return .failure(failure)
    }
  }

  private static func makeUnverifiedContext() -> Result<TLSContext, HTTPClientError> {
    do {
      return .success(try TLSContext(verify: false, extraCertificates: nil))
    } catch {
      return .failure(error)
    }
  }

  /// Sends one request and reads its response.
  /// - Parameters:
  ///   - method: The request method.
  ///   - url: An `http` or `https` URL.
  ///   - headers: Request headers; `Host` and `Content-Length` are added.
  ///   - body: The request body.
  ///   - sink: If given, a 2xx response body is written to this file instead of being returned.
  /// - Throws: ``HTTPClientError`` when no complete response could be read.
  func send(
    method: String, url: URL, headers: [String: String], body: HTTPRequest.Body,
    sink: FileHandle?
  ) async throws -> HTTPClientResponse {
    let job = Job(
      client: self, method: method, url: url, headers: headers, body: body,
      sink: sink.map(SinkHandle.init))
    let abort = AbortSwitch()
    return try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation {
        (continuation: CheckedContinuation<HTTPClientResponse, any Error>) in
        let thread = Thread {
          HTTPClient.ignoreBrokenPipeOnThisThread()
          continuation.resume(with: Result { try job.run(abort: abort) })
        }
        thread.name = "oci-http"
        thread.start()
      }
    } onCancel: {
      abort.trip()
    }
  }

  /// Closes every kept connection.
  func closeIdleConnections() {
    let all = self.idle.withLock { idle in
      defer { idle.removeAll() }
      return idle.values.flatMap { $0 }
    }
    for connection in all { connection.close() }
  }

  deinit {
    self.closeIdleConnections()
  }

  // MARK: Pool

  fileprivate func take(_ key: String) -> HTTPConnection? {
    while let connection = self.idle.withLock({ $0[key]?.popLast() }) {
      if connection.isReusable { return connection }
      connection.close()
    }
    return nil
  }

  fileprivate func keep(_ connection: HTTPConnection, _ key: String) {
    let extra: HTTPConnection? = self.idle.withLock { idle in
      var list = idle[key] ?? []
      guard list.count < self.maxIdlePerServer else { return connection }
      list.append(connection)
      idle[key] = list
      return nil
    }
    extra?.close()
  }

  fileprivate func open(scheme: String, host: String, port: Int, hostAndPort: String)
    throws(HTTPClientError) -> HTTPConnection
  {
    var context: TLSContext?
    if scheme == "https" {
      context = try self.tlsContext(verify: !self.unverifiedHosts.contains(hostAndPort))
    }
    return try HTTPConnection.open(host: host, port: port, tls: context, timeout: self.timeout)
  }

  /// A broken connection must give EPIPE, not a process-killing SIGPIPE; OpenSSL writes with
  /// plain `write(2)`, so SIGPIPE is blocked on the request's own thread, which then ends.
  private static func ignoreBrokenPipeOnThisThread() {
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGPIPE)
    pthread_sigmask(SIG_BLOCK, &set, nil)
  }
}

/// A download file handed to the request thread.
///
/// `@unchecked Sendable`: the awaiting task does not touch the handle until the request thread
/// has finished with it.
private struct SinkHandle: @unchecked Sendable {
  let handle: FileHandle
}

/// Lets a cancelled task stop a request blocked on its socket.
private final class AbortSwitch: Sendable {
  private struct State {
    var tripped = false
    var connection: HTTPConnection?
  }
  private let state = Mutex(State())

  func trip() {
    let connection = self.state.withLock { state in
      state.tripped = true
      return state.connection
    }
    connection?.abort()
  }

  /// Records the connection in use; throws if already cancelled.
  func attach(_ connection: HTTPConnection?) throws(HTTPClientError) {
    let tripped = self.state.withLock { state in
      state.connection = connection
      return state.tripped
    }
    if tripped {
      throw HTTPClientError(.cancelled, "the request was cancelled")
    }
  }

  var isTripped: Bool { self.state.withLock { $0.tripped } }
}

/// One request, run on its own thread.
private struct Job: Sendable {
  let client: HTTPClient
  let method: String
  let url: URL
  let headers: [String: String]
  let body: HTTPRequest.Body
  let sink: SinkHandle?

  /// Thrown when a kept connection turns out to be closed before any reply came.
  private struct Stale: Error {}

  func run(abort: AbortSwitch) throws -> HTTPClientResponse {
    guard let scheme = self.url.scheme?.lowercased(), scheme == "http" || scheme == "https",
      let host = self.url.host, !host.isEmpty
    else {
      throw HTTPClientError(.malformed, "\(self.url.absoluteString) is not an http(s) URL")
    }
    let port = self.url.port ?? (scheme == "https" ? 443 : 80)
    let bareHost = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
    let hostAndPort = OCI.hostAndPort(of: self.url)
    let key = "\(scheme)://\(bareHost):\(port)"
    do {
      while true {
        try abort.attach(nil)
        let kept = self.client.take(key)
        let connection =
          try kept
          ?? self.client.open(scheme: scheme, host: bareHost, port: port, hostAndPort: hostAndPort)
        try abort.attach(connection)
        do {
          let (response, reusable) = try self.exchange(
            on: connection, hostHeader: hostAndPort, reused: kept != nil)
          try abort.attach(nil)
          if reusable {
            self.client.keep(connection, key)
          } else {
            connection.close()
          }
          return response
        } catch is Stale {
          connection.close()
          continue
        } catch {
          connection.close()
          throw error
        }
      }
    } catch let error as HTTPClientError {
      if abort.isTripped {
        throw HTTPClientError(.cancelled, "the request was cancelled")
      }
      throw error
    }
  }

  private func exchange(on connection: HTTPConnection, hostHeader: String, reused: Bool) throws
    -> (HTTPClientResponse, Bool)
  {
    do {
      try self.writeRequest(on: connection, hostHeader: hostHeader)
    } catch let error as HTTPClientError where reused && error.kind == .closed {
      throw Stale()
    }
    // The status line, skipping interim 1xx responses.
    var status = 0
    var version = ""
    var headers: [String: String] = [:]
    var first = true
    repeat {
      guard let line = try connection.readLine() else {
        if first && reused { throw Stale() }
        throw HTTPClientError(.closed, "the server closed the connection without replying")
      }
      first = false
      let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
      guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let code = Int(parts[1]),
        (100..<600).contains(code)
      else {
        throw HTTPClientError(.malformed, "the server's reply is not HTTP/1.x: \(line.prefix(80))")
      }
      version = String(parts[0])
      status = code
      headers = try Job.readHeaders(connection)
    } while (100..<200).contains(status) && status != 101

    var keepAlive =
      version == "HTTP/1.1"
      && !(headers["connection"]?.lowercased().contains("close") ?? false)
    var sink: FileHandle?
    if let handle = self.sink?.handle, (200..<300).contains(status) {
      sink = handle
    }
    var body = Data()
    let consume: (UnsafeRawBufferPointer) throws -> Void = { bytes in
      if let sink {
        do {
          try sink.write(contentsOf: bytes)
        } catch {
          throw HTTPClientError(.io, "cannot write the downloaded body: \(error)")
        }
      } else {
        body.append(contentsOf: bytes)
      }
    }
    if self.method == "HEAD" || status == 204 || status == 304 {
      // No body.
    } else if let encoding = headers["transfer-encoding"]?.lowercased(),
      encoding.contains("chunked")
    {
      try Job.readChunked(connection, consume)
    } else if let lengthText = headers["content-length"] {
      guard
        let length = Int(lengthText.split(separator: ",")[0].trimmingCharacters(in: .whitespaces)),
        length >= 0
      else {
        throw HTTPClientError(.malformed, "the Content-Length \(lengthText) is not a number")
      }
      try Job.readExactly(length, connection, consume)
    } else {
      keepAlive = false
      while try connection.read(upTo: 64 << 10, into: consume) > 0 {}
    }
    return (HTTPClientResponse(status: status, headers: headers, body: body), keepAlive)
  }

  private func writeRequest(on connection: HTTPConnection, hostHeader: String) throws {
    let components = URLComponents(url: self.url, resolvingAgainstBaseURL: true)
    var target = components?.percentEncodedPath ?? self.url.path
    if target.isEmpty { target = "/" }
    if let query = components?.percentEncodedQuery {
      target += "?" + query
    }
    var head = "\(self.method) \(target) HTTP/1.1\r\nHost: \(hostHeader)\r\n"
    var hasLength = false
    for (name, value) in self.headers.sorted(by: { $0.key < $1.key }) {
      guard !name.contains("\r"), !name.contains("\n"), !value.contains("\r"),
        !value.contains("\n")
      else {
        throw HTTPClientError(.malformed, "the header \(name) holds a line break")
      }
      if name.lowercased() == "host" { continue }
      if name.lowercased() == "content-length" { hasLength = true }
      head += "\(name): \(value)\r\n"
    }
    var file: FileHandle?
    defer { try? file?.close() }
    var length: Int?
    switch self.body {
    case .none:
      if ["POST", "PUT", "PATCH"].contains(self.method) { length = 0 }
    case .data(let data):
      length = data.count
    case .file(let url):
      do {
        let handle = try FileHandle(forReadingFrom: url)
        file = handle
        length = Int(try handle.seekToEnd())
        try handle.seek(toOffset: 0)
      } catch {
        throw HTTPClientError(.io, "cannot read \(url.path) to send it: \(error)")
      }
    }
    if let length, !hasLength {
      head += "Content-Length: \(length)\r\n"
    }
    head += "\r\n"
    try connection.write(Data(head.utf8))
    switch self.body {
    case .none:
      break
    case .data(let data):
      try connection.write(data)
    case .file(let url):
      guard let file else { break }
      while true {
        let piece: Data
        do {
          piece = try file.read(upToCount: 256 << 10) ?? Data()
        } catch {
          throw HTTPClientError(.io, "cannot read \(url.path) while sending it: \(error)")
        }
        if piece.isEmpty { break }
        try connection.write(piece)
      }
    }
  }

  private static func readHeaders(_ connection: HTTPConnection) throws(HTTPClientError)
    -> [String: String]
  {
    var headers: [String: String] = [:]
    var count = 0
    while true {
      guard let line = try connection.readLine() else {
        throw HTTPClientError(.closed, "the connection closed in the middle of the headers")
      }
      if line.isEmpty { return headers }
      count += 1
      guard count <= 1000, let colon = line.firstIndex(of: ":") else {
        throw HTTPClientError(.malformed, "the header line \"\(line.prefix(80))\" is malformed")
      }
      let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
      let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      if let earlier = headers[name] {
        headers[name] = earlier + ", " + value
      } else {
        headers[name] = value
      }
    }
  }

  private static func readExactly(
    _ length: Int, _ connection: HTTPConnection,
    _ consume: (UnsafeRawBufferPointer) throws -> Void
  ) throws {
    var left = length
    while left > 0 {
      let count = try connection.read(upTo: left, into: consume)
      guard count > 0 else {
        throw HTTPClientError(
          .closed, "the connection closed with \(left) of \(length) body bytes unread")
      }
      left -= count
    }
  }

  /// Decodes a chunked body: `<hex size>[;extensions]` lines, each followed by that many bytes
  /// and CRLF, until a size of 0, then trailer lines up to an empty line.
  static func readChunked(
    _ connection: HTTPConnection, _ consume: (UnsafeRawBufferPointer) throws -> Void
  ) throws {
    while true {
      guard let line = try connection.readLine() else {
        throw HTTPClientError(.closed, "the connection closed inside a chunked body")
      }
      let sizeText = line.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0]
        .trimmingCharacters(in: .whitespaces)
      guard let size = Int(sizeText, radix: 16), size >= 0 else {
        throw HTTPClientError(
          .malformed, "the chunk size \"\(line.prefix(40))\" is not hexadecimal")
      }
      if size == 0 {
        while let trailer = try connection.readLine(), !trailer.isEmpty {}
        return
      }
      try Job.readExactly(size, connection, consume)
      guard let end = try connection.readLine(), end.isEmpty else {
        throw HTTPClientError(.malformed, "a chunk is not followed by CRLF")
      }
    }
  }
}
