// One HTTP/1.1 connection: a blocking TCP socket, optionally wrapped in TLS by OpenSSL.
//
// Connecting resolves the host with getaddrinfo and tries each address with a non-blocking
// connect bounded by the timeout. Reads and writes then block, bounded by the socket's
// SO_RCVTIMEO and SO_SNDTIMEO. TLS verifies the server's chain against the context's trust store
// and its certificate against the host name (or IP address), and sends the name as SNI; an
// unverified context skips both checks. A connection is used by one request at a time, on the
// thread that runs that request, and is never shared while in use.

internal import COpenSSL
import Foundation

/// Why an HTTP exchange failed below the HTTP layer.
struct HTTPClientError: Error, Sendable, CustomStringConvertible {
  enum Kind: Sendable {
    /// The host could not be resolved.
    case resolve
    /// No TCP connection could be made.
    case connect
    /// The TLS handshake failed (certificate or protocol).
    case tls
    /// No data came within the timeout.
    case timeout
    /// The peer closed or reset the connection mid-exchange.
    case closed
    /// The peer's reply is not HTTP/1.x.
    case malformed
    /// The request was cancelled.
    case cancelled
    /// A local file could not be read or written.
    case io
    /// The client's own settings are unusable (such as a CA file without certificates).
    case configuration
  }

  var kind: Kind
  var reason: String

  init(_ kind: Kind, _ reason: String) {
    self.kind = kind
    self.reason = reason
  }

  var description: String { self.reason }

  /// Whether sending the request again may succeed.
  var isTransient: Bool {
    switch self.kind {
    case .connect, .timeout, .closed, .malformed: return true
    case .resolve, .tls, .cancelled, .io, .configuration: return false
    }
  }
}

/// An OpenSSL client context, shared by every connection made with it.
///
/// `@unchecked Sendable`: an `SSL_CTX` may be used from several threads to create connections
/// once it is configured, and it is configured only in `init`.
final class TLSContext: @unchecked Sendable {
  let pointer: OpaquePointer
  /// Whether the server's certificate is verified.
  let verifies: Bool

  /// Creates a context.
  /// - Parameters:
  ///   - verify: Whether to verify servers; if not, any certificate is accepted.
  ///   - extraCertificates: PEM text of CA certificates trusted besides the system's.
  /// - Throws: ``HTTPClientError`` if the context cannot be made or the PEM holds no certificate.
  init(verify: Bool, extraCertificates: String?) throws(HTTPClientError) {
    guard let context = SSL_CTX_new(TLS_client_method()) else {
      throw HTTPClientError(.tls, "OpenSSL could not create a TLS context")
    }
    _ = copenssl_require_tls12(context)
    if verify {
      SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
      _ = SSL_CTX_set_default_verify_paths(context)
      if let extraCertificates {
        let store = SSL_CTX_get_cert_store(context)
        let certificates = TLSContext.certificates(inPEM: extraCertificates)
        guard !certificates.isEmpty else {
          SSL_CTX_free(context)
          throw HTTPClientError(.configuration, "the CA file holds no PEM certificate")
        }
        for certificate in certificates {
          _ = X509_STORE_add_cert(store, certificate)
          X509_free(certificate)
        }
      }
    } else {
      SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
    }
    self.pointer = context
    self.verifies = verify
  }

  deinit {
    SSL_CTX_free(self.pointer)
  }

  /// Every certificate in a PEM text; the caller frees them.
  private static func certificates(inPEM text: String) -> [OpaquePointer] {
    text.withCString { pointer in
      let bio = BIO_new_mem_buf(pointer, -1)
      defer { BIO_free(bio) }
      var certificates: [OpaquePointer] = []
      while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) {
        certificates.append(certificate)
      }
      ERR_clear_error()
      return certificates
    }
  }
}

/// One open connection to a server.
///
/// `@unchecked Sendable`: a connection is owned by exactly one request at a time (it is taken
/// out of the pool while in use), so its descriptor, OpenSSL handle and buffer are never touched
/// by two threads at once; only `abort()` may come from another thread, and it only calls
/// `shutdown(2)`, which is safe to call concurrently.
final class HTTPConnection: @unchecked Sendable {
  let descriptor: Int32
  private let ssl: OpaquePointer?
  private var buffer: [UInt8] = []
  private var bufferStart = 0
  private var closed = false

  private init(descriptor: Int32, ssl: OpaquePointer?) {
    self.descriptor = descriptor
    self.ssl = ssl
  }

  deinit {
    self.close()
  }

  /// Connects, and handshakes if `tls` is given.
  /// - Parameters:
  ///   - host: The host name or IP address (without brackets).
  ///   - port: The TCP port.
  ///   - tls: The TLS context, or `nil` for plain HTTP.
  ///   - timeout: The bound on connecting, on the handshake, and later on each read and write.
  static func open(host: String, port: Int, tls: TLSContext?, timeout: Duration)
    throws(HTTPClientError) -> HTTPConnection
  {
    let descriptor = try HTTPConnection.connect(host: host, port: port, timeout: timeout)
    HTTPConnection.setTimeout(descriptor, timeout)
    guard let tls else {
      return HTTPConnection(descriptor: descriptor, ssl: nil)
    }
    guard let ssl = SSL_new(tls.pointer) else {
      Foundation.close(descriptor)
      throw HTTPClientError(.tls, "OpenSSL could not create a connection")
    }
    let connection = HTTPConnection(descriptor: descriptor, ssl: ssl)
    _ = SSL_set_fd(ssl, descriptor)
    if HTTPConnection.isIPAddress(host) {
      // X509_VERIFY_PARAM_set1_ip_asc returns 1 on success, 0 for a malformed address.
      if tls.verifies, X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) != 1 {
        throw HTTPClientError(.tls, "\(host) is not a valid IP address to verify")
      }
    } else {
      // SSL_set1_host and the SNI call return 1 on success.
      guard copenssl_set_server_name(ssl, host) == 1 else {
        throw HTTPClientError(.tls, "cannot send the server name \(host)")
      }
      if tls.verifies, SSL_set1_host(ssl, host) != 1 {
        throw HTTPClientError(.tls, "cannot verify the server name \(host)")
      }
    }
    ERR_clear_error()
    // SSL_connect returns 1 when the handshake is complete, 0 or less on failure.
    if SSL_connect(ssl) != 1 {
      let verify = SSL_get_verify_result(ssl)
      if verify != X509_V_OK {
        throw HTTPClientError(
          .tls,
          "the server's certificate failed verification: "
            + String(cString: X509_verify_cert_error_string(verify)))
      }
      if errno == EAGAIN || errno == EWOULDBLOCK {
        throw HTTPClientError(.timeout, "the TLS handshake timed out")
      }
      throw HTTPClientError(.tls, "the TLS handshake failed: \(HTTPConnection.openSSLErrors())")
    }
    return connection
  }

  /// Closes the connection. Idempotent.
  func close() {
    guard !self.closed else { return }
    self.closed = true
    if let ssl = self.ssl {
      SSL_free(ssl)
    }
    Foundation.close(self.descriptor)
  }

  /// Makes a blocked read or write on another thread fail at once.
  func abort() {
    _ = shutdown(self.descriptor, Int32(SHUT_RDWR))
  }

  /// Whether an idle connection still looks usable: nothing is readable (neither data nor
  /// the peer's close).
  var isReusable: Bool {
    guard !self.closed, self.bufferStart >= self.buffer.count else { return false }
    if let ssl = self.ssl, SSL_pending(ssl) > 0 { return false }
    var poller = pollfd(fd: self.descriptor, events: Int16(POLLIN), revents: 0)
    return poll(&poller, 1, 0) == 0
  }

  // MARK: Writing

  /// Writes all of `bytes`.
  func write(_ bytes: UnsafeRawBufferPointer) throws(HTTPClientError) {
    var offset = 0
    while offset < bytes.count {
      let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
      let written: Int
      if let ssl = self.ssl {
        let count = SSL_write(ssl, rest.baseAddress, Int32(clamping: rest.count))
        guard count > 0 else {
          throw self.failure(writing: true, sslResult: count)
        }
        written = Int(count)
      } else {
        let count = send(self.descriptor, rest.baseAddress, rest.count, Int32(MSG_NOSIGNAL))
        guard count > 0 else {
          if count < 0, errno == EINTR { continue }
          throw self.failure(writing: true, sslResult: nil)
        }
        written = count
      }
      offset += written
    }
  }

  /// Writes all of `data`.
  func write(_ data: Data) throws(HTTPClientError) {
    do {
      try data.withUnsafeBytes { bytes in try self.write(bytes) }
    } catch let error as HTTPClientError {
      throw error
    } catch {
      throw HTTPClientError(.closed, "\(error)")
    }
  }

  // MARK: Reading

  /// Reads more bytes into the buffer; returns `false` at the end of the stream.
  private func fill() throws(HTTPClientError) -> Bool {
    if self.bufferStart > 0, self.bufferStart >= self.buffer.count {
      self.buffer.removeAll(keepingCapacity: true)
      self.bufferStart = 0
    }
    var chunk = [UInt8](repeating: 0, count: 64 << 10)
    while true {
      let count: Int
      if let ssl = self.ssl {
        let result = SSL_read(ssl, &chunk, Int32(chunk.count))
        if result <= 0 {
          let code = SSL_get_error(ssl, result)
          if code == SSL_ERROR_ZERO_RETURN { return false }
          if code == SSL_ERROR_SYSCALL, errno == 0 || errno == ECONNRESET, result == 0 {
            return false
          }
          throw self.failure(writing: false, sslResult: result)
        }
        count = Int(result)
      } else {
        let result = recv(self.descriptor, &chunk, chunk.count, 0)
        if result < 0 {
          if errno == EINTR { continue }
          throw self.failure(writing: false, sslResult: nil)
        }
        if result == 0 { return false }
        count = result
      }
      self.buffer.append(contentsOf: chunk[0..<count])
      return true
    }
  }

  /// Reads one line ending in CRLF (or LF), without the line ending.
  /// - Returns: The line, or `nil` if the stream ended before any byte of it.
  func readLine(limit: Int = 64 << 10) throws(HTTPClientError) -> String? {
    // How many bytes after `bufferStart` are known to hold no line feed (`fill` may move the
    // buffer's contents, so this is kept relative).
    var searched = 0
    while true {
      if let newline = self.buffer[(self.bufferStart + searched)...].firstIndex(of: 10) {
        var end = newline
        if end > self.bufferStart, self.buffer[end - 1] == 13 { end -= 1 }
        let line = String(decoding: self.buffer[self.bufferStart..<end], as: UTF8.self)
        self.bufferStart = newline + 1
        return line
      }
      searched = self.buffer.count - self.bufferStart
      guard searched < limit else {
        throw HTTPClientError(.malformed, "a header line is longer than \(limit) bytes")
      }
      guard try self.fill() else {
        if self.bufferStart == self.buffer.count { return nil }
        throw HTTPClientError(.closed, "the connection closed in the middle of a line")
      }
    }
  }

  /// Hands up to `maximum` bytes to `body`; returns how many, 0 at the end of the stream.
  func read(upTo maximum: Int, into body: (UnsafeRawBufferPointer) throws -> Void) throws
    -> Int
  {
    if self.bufferStart >= self.buffer.count {
      guard try self.fill() else { return 0 }
    }
    let count = min(maximum, self.buffer.count - self.bufferStart)
    try self.buffer[self.bufferStart..<(self.bufferStart + count)].withUnsafeBytes {
      try body($0)
    }
    self.bufferStart += count
    return count
  }

  // MARK: Helpers

  private func failure(writing: Bool, sslResult: Int32?) -> HTTPClientError {
    let code = errno
    let what = writing ? "sending" : "receiving"
    if let ssl = self.ssl, let sslResult {
      let error = SSL_get_error(ssl, sslResult)
      if error == SSL_ERROR_SSL {
        return HTTPClientError(
          .closed, "TLS failed while \(what): \(HTTPConnection.openSSLErrors())")
      }
    }
    if code == EAGAIN || code == EWOULDBLOCK {
      return HTTPClientError(.timeout, "timed out \(what)")
    }
    return HTTPClientError(
      .closed, "the connection failed while \(what): \(String(cString: strerror(code)))")
  }

  static func openSSLErrors() -> String {
    var reasons: [String] = []
    while case let code = ERR_get_error(), code != 0 {
      var buffer = [UInt8](repeating: 0, count: 256)
      buffer.withUnsafeMutableBufferPointer { bytes in
        bytes.withMemoryRebound(to: CChar.self) {
          ERR_error_string_n(code, $0.baseAddress, $0.count)
        }
      }
      reasons.append(String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self))
    }
    return reasons.isEmpty ? "the server closed the connection" : reasons.joined(separator: "; ")
  }

  static func isIPAddress(_ text: String) -> Bool {
    var v4 = in_addr()
    var v6 = in6_addr()
    return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
  }

  private static func setTimeout(_ descriptor: Int32, _ timeout: Duration) {
    let (seconds, attoseconds) = timeout.components
    var value = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    let size = socklen_t(MemoryLayout<timeval>.size)
    _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &value, size)
    _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &value, size)
  }

  private static func connect(host: String, port: Int, timeout: Duration)
    throws(HTTPClientError) -> Int32
  {
    var hints = addrinfo()
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var list: UnsafeMutablePointer<addrinfo>?
    // getaddrinfo returns 0 on success and an EAI_* code otherwise.
    let status = getaddrinfo(host, String(port), &hints, &list)
    guard status == 0, let first = list else {
      throw HTTPClientError(
        .resolve, "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
    }
    defer { freeaddrinfo(list) }
    var lastError = ECONNREFUSED
    var entry: UnsafeMutablePointer<addrinfo>? = first
    while let current = entry {
      entry = current.pointee.ai_next
      let descriptor = socket(
        current.pointee.ai_family, current.pointee.ai_socktype, current.pointee.ai_protocol)
      guard descriptor >= 0 else { continue }
      if HTTPConnection.connect(
        descriptor, to: current.pointee.ai_addr, length: current.pointee.ai_addrlen,
        timeout: timeout)
      {
        var on: Int32 = 1
        _ = setsockopt(
          descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        return descriptor
      }
      lastError = errno
      Foundation.close(descriptor)
    }
    if lastError == ETIMEDOUT {
      throw HTTPClientError(.connect, "connecting timed out")
    }
    throw HTTPClientError(.connect, "cannot connect: \(String(cString: strerror(lastError)))")
  }

  /// A non-blocking connect bounded by `timeout`; leaves the socket blocking again.
  private static func connect(
    _ descriptor: Int32, to address: UnsafeMutablePointer<sockaddr>?, length: socklen_t,
    timeout: Duration
  ) -> Bool {
    let flags = fcntl(descriptor, F_GETFL)
    _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
    defer { _ = fcntl(descriptor, F_SETFL, flags) }
    if Foundation.connect(descriptor, address, length) == 0 { return true }
    guard errno == EINPROGRESS else { return false }
    var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
    let (seconds, attoseconds) = timeout.components
    let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    guard poll(&poller, 1, max(1, milliseconds)) == 1 else {
      errno = ETIMEDOUT
      return false
    }
    var error: Int32 = 0
    var size = socklen_t(MemoryLayout<Int32>.size)
    _ = getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &size)
    errno = error
    return error == 0
  }
}
