internal import COpenSSL
import Foundation

/// A TLS connection made with OpenSSL whose plaintext is handed to C-core through a socketpair.
///
/// gRPC C-core insists that the server select the `h2` protocol through ALPN, and buildkitd
/// before v0.14 terminates TLS on its listener without ALPN, so C-core's own TLS refuses it.
/// Instead we connect, verify the server (CA, host name or IP address, optional client
/// certificate) and handshake here, then relay: one thread moves bytes between the TLS
/// connection and one end of a socketpair, and C-core speaks plain HTTP/2 on the other end as
/// if the server were local. Such a channel does not reconnect; a new client connects anew.
final class TLSTunnel: @unchecked Sendable {
  // @unchecked: the OpenSSL handles are used only by the relay thread after `init` returns,
  // and freed by `close()` after that thread has exited.
  /// The plaintext end for C-core; C-core owns it once the channel is created.
  let plaintextDescriptor: Int32

  private let tcp: Int32
  private let relayEnd: Int32
  private let context: OpaquePointer
  private let ssl: OpaquePointer
  private let stopPipe: [Int32]
  private let finished = DispatchSemaphore(value: 0)
  private let closeLock = NSLock()
  private var closed = false

  /// Connects and handshakes.
  /// - Parameters:
  ///   - address: The server.
  ///   - tls: What to trust and which client certificate to present.
  ///   - timeout: How long connecting and the handshake may take together.
  /// - Throws: ``GRPCError`` with status `UNAVAILABLE` naming the address and the TLS failure.
  init(address: Address, tls: TLSConfiguration, timeout: Duration) throws(GRPCError) {
    let tcp = try Self.connect(address, timeout: timeout)
    let context: OpaquePointer
    do {
      context = try Self.makeContext(tls, address: address)
    } catch {
      Foundation.close(tcp)
      throw error
    }
    guard let ssl = SSL_new(context) else {
      SSL_CTX_free(context)
      Foundation.close(tcp)
      throw Self.failure(address, "OpenSSL could not create a connection")
    }
    // From here on `fail` releases everything made so far.
    func fail(_ reason: String) -> GRPCError {
      SSL_free(ssl)
      SSL_CTX_free(context)
      Foundation.close(tcp)
      return Self.failure(address, reason)
    }

    let name = tls.serverName ?? address.host
    _ = SSL_set_fd(ssl, tcp)
    if Self.isIPAddress(name) {
      // X509_VERIFY_PARAM_set1_ip_asc returns 1 on success, 0 for a malformed address.
      guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1 else {
        throw fail("\(name) is not a valid IP address to verify")
      }
    } else {
      // SSL_set1_host and the SNI call return 1 on success.
      guard SSL_set1_host(ssl, name) == 1, copenssl_set_server_name(ssl, name) == 1 else {
        throw fail("cannot verify the server name \(name)")
      }
    }
    let alpn: [UInt8] = [2, UInt8(ascii: "h"), UInt8(ascii: "2")]
    _ = SSL_set_alpn_protos(ssl, alpn, UInt32(alpn.count))

    // SSL_connect returns 1 when the handshake is complete, 0 or less on failure.
    Self.setTimeout(tcp, timeout)
    if SSL_connect(ssl) != 1 {
      let verify = SSL_get_verify_result(ssl)
      let reason =
        verify != X509_V_OK
        ? String(cString: X509_verify_cert_error_string(verify))
        : Self.openSSLErrors()
      throw fail("the handshake failed: \(reason)")
    }
    Self.setTimeout(tcp, nil)

    var pair: [Int32] = [0, 0]
    var pipeEnds: [Int32] = [0, 0]
    guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0 else {
      throw fail("cannot create the relay socket pair")
    }
    guard pipe(&pipeEnds) == 0 else {
      Foundation.close(pair[0])
      Foundation.close(pair[1])
      throw fail("cannot create the relay's stop pipe")
    }
    self.tcp = tcp
    self.context = context
    self.ssl = ssl
    self.plaintextDescriptor = pair[0]
    self.relayEnd = pair[1]
    self.stopPipe = pipeEnds

    let relay = Relay(ssl: CHandle(ssl), tcp: tcp, plain: pair[1], stop: pipeEnds[0])
    let finished = self.finished
    let thread = Thread {
      relay.run()
      finished.signal()
    }
    thread.name = "grpc-tls-relay"
    thread.start()
  }

  /// Stops the relay and frees the connection. Idempotent.
  func close() {
    self.closeLock.lock()
    let first = !self.closed
    self.closed = true
    self.closeLock.unlock()
    guard first else { return }
    _ = Foundation.write(self.stopPipe[1], [UInt8(1)], 1)
    self.finished.wait()
    _ = SSL_shutdown(self.ssl)
    SSL_free(self.ssl)
    SSL_CTX_free(self.context)
    for descriptor in [self.tcp, self.relayEnd, self.stopPipe[0], self.stopPipe[1]] {
      Foundation.close(descriptor)
    }
  }

  // MARK: Setup

  private static func failure(_ address: Address, _ reason: String) -> GRPCError {
    GRPCError.status(
      .unavailable,
      "TLS connection to \(address) failed: \(reason); check the CA certificate, the client "
        + "certificate and key, and the server name"
    )
  }

  private static func openSSLErrors() -> String {
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

  private static func isIPAddress(_ text: String) -> Bool {
    var v4 = in_addr()
    var v6 = in6_addr()
    return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
  }

  private static func setTimeout(_ descriptor: Int32, _ timeout: Duration?) {
    let (seconds, attoseconds) = (timeout ?? .zero).components
    var value = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    let size = socklen_t(MemoryLayout<timeval>.size)
    _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &value, size)
    _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &value, size)
  }

  /// Opens a TCP (or unix) connection, giving up after `timeout`.
  private static func connect(_ address: Address, timeout: Duration) throws(GRPCError) -> Int32 {
    switch address {
    case .unix(let path):
      let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
      var socketAddress = sockaddr_un()
      socketAddress.sun_family = sa_family_t(AF_UNIX)
      withUnsafeMutableBytes(of: &socketAddress.sun_path) { buffer in
        for (index, byte) in path.utf8.prefix(buffer.count - 1).enumerated() {
          buffer[index] = byte
        }
      }
      let connected = withUnsafePointer(to: &socketAddress) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          Foundation.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
        }
      }
      guard connected == 0 else {
        Foundation.close(descriptor)
        throw GRPCError.status(
          .unavailable, "cannot connect to \(address): \(String(cString: strerror(errno)))")
      }
      return descriptor
    case .tcp(let host, let port):
      var hints = addrinfo()
      hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
      var list: UnsafeMutablePointer<addrinfo>?
      // getaddrinfo returns 0 on success and an EAI_* code otherwise.
      let status = getaddrinfo(host, String(port), &hints, &list)
      guard status == 0, let first = list else {
        throw GRPCError.status(
          .unavailable,
          "cannot resolve \(host) for \(address): \(String(cString: gai_strerror(status)))")
      }
      defer { freeaddrinfo(list) }
      var lastError = ECONNREFUSED
      var entry: UnsafeMutablePointer<addrinfo>? = first
      while let current = entry {
        entry = current.pointee.ai_next
        let descriptor = socket(
          current.pointee.ai_family, current.pointee.ai_socktype, current.pointee.ai_protocol)
        guard descriptor >= 0 else { continue }
        if Self.connect(
          descriptor, to: current.pointee.ai_addr, length: current.pointee.ai_addrlen,
          timeout: timeout)
        {
          return descriptor
        }
        lastError = errno
        Foundation.close(descriptor)
      }
      throw GRPCError.status(
        .unavailable, "cannot connect to \(address): \(String(cString: strerror(lastError)))")
    }
  }

  /// A non-blocking connect bounded by `timeout`; leaves the socket blocking again.
  private static func connect(
    _ descriptor: Int32,
    to address: UnsafeMutablePointer<sockaddr>?,
    length: socklen_t,
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
    guard poll(&poller, 1, milliseconds) == 1 else {
      errno = ETIMEDOUT
      return false
    }
    var error: Int32 = 0
    var size = socklen_t(MemoryLayout<Int32>.size)
    _ = getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &size)
    errno = error
    return error == 0
  }

  /// An SSL_CTX that verifies the server and presents the client certificate, if any.
  private static func makeContext(_ tls: TLSConfiguration, address: Address) throws(GRPCError)
    -> OpaquePointer
  {
    guard let context = SSL_CTX_new(TLS_client_method()) else {
      throw Self.failure(address, "OpenSSL could not create a TLS context")
    }
    _ = copenssl_require_tls12(context)
    copenssl_set_relay_modes(context)
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)

    if let roots = tls.trustedCertificates {
      let store = SSL_CTX_get_cert_store(context)
      let certificates = Self.certificates(inPEM: roots)
      guard !certificates.isEmpty else {
        SSL_CTX_free(context)
        throw Self.failure(address, "the CA file holds no certificate")
      }
      for certificate in certificates {
        _ = X509_STORE_add_cert(store, certificate)
        X509_free(certificate)
      }
    } else {
      _ = SSL_CTX_set_default_verify_paths(context)
    }

    if let chain = tls.certificateChain, let key = tls.privateKey {
      var certificates = Self.certificates(inPEM: chain)
      guard !certificates.isEmpty else {
        SSL_CTX_free(context)
        throw Self.failure(address, "the client certificate file holds no certificate")
      }
      let leaf = certificates.removeFirst()
      // SSL_CTX_use_certificate returns 1 on success; it takes its own reference.
      let used = SSL_CTX_use_certificate(context, leaf)
      X509_free(leaf)
      for extra in certificates where copenssl_add_chain_certificate(context, extra) != 1 {
        X509_free(extra)
      }
      let privateKey = key.withCString { text -> OpaquePointer? in
        let bio = BIO_new_mem_buf(text, -1)
        defer { BIO_free(bio) }
        return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
      }
      // SSL_CTX_use_PrivateKey and SSL_CTX_check_private_key return 1 on success.
      guard used == 1, let privateKey, SSL_CTX_use_PrivateKey(context, privateKey) == 1,
        SSL_CTX_check_private_key(context) == 1
      else {
        if let privateKey { EVP_PKEY_free(privateKey) }
        SSL_CTX_free(context)
        throw Self.failure(address, "the client certificate and key are unusable or do not match")
      }
      EVP_PKEY_free(privateKey)
    }
    return context
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

/// An OpenSSL handle passed to the relay thread.
///
/// `@unchecked Sendable`: after the handshake only the relay thread uses it, until `close()`
/// has joined that thread.
private struct CHandle: @unchecked Sendable {
  let pointer: OpaquePointer
  init(_ pointer: OpaquePointer) { self.pointer = pointer }
}

/// The relay loop: plaintext from C-core goes out through `SSL_write`, what `SSL_read` returns
/// goes back to C-core. Both sockets are non-blocking and one `poll` waits for whichever side can
/// make progress, so a single thread drives the TLS connection, as OpenSSL requires.
private struct Relay: Sendable {
  let ssl: CHandle
  let tcp: Int32
  let plain: Int32
  let stop: Int32

  func run() {
    for descriptor in [self.tcp, self.plain] {
      _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }
    let ssl = self.ssl.pointer
    var toTLS: [UInt8] = []
    var toPlain: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 64 << 10)
    var plainClosed = false
    var tlsClosed = false
    var readWants = Int16(POLLIN)
    var writeWants: Int16 = 0

    while !(tlsClosed && toPlain.isEmpty) || !(plainClosed && toTLS.isEmpty) {
      var progressed = false

      if toPlain.isEmpty, !tlsClosed {
        let count = SSL_read(ssl, &buffer, Int32(buffer.count))
        if count > 0 {
          toPlain = Array(buffer[0..<Int(count)])
          progressed = true
        } else {
          switch SSL_get_error(ssl, count) {
          case SSL_ERROR_WANT_READ: readWants = Int16(POLLIN)
          case SSL_ERROR_WANT_WRITE: readWants = Int16(POLLOUT)
          default:
            tlsClosed = true
            progressed = true
            shutdown(self.plain, Int32(SHUT_WR))
          }
        }
      }
      if !toPlain.isEmpty {
        // send with MSG_NOSIGNAL: a closed peer must give EPIPE, not a process-killing SIGPIPE.
        let written = send(self.plain, toPlain, toPlain.count, Int32(MSG_NOSIGNAL))
        if written > 0 {
          toPlain.removeFirst(written)
          progressed = true
        } else if written < 0, errno != EAGAIN, errno != EINTR {
          return
        }
      }
      if toTLS.isEmpty, !plainClosed {
        let count = Foundation.read(self.plain, &buffer, buffer.count)
        if count > 0 {
          toTLS = Array(buffer[0..<count])
          progressed = true
        } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
          plainClosed = true
          progressed = true
        }
      }
      if !toTLS.isEmpty, !tlsClosed {
        let written = SSL_write(ssl, toTLS, Int32(toTLS.count))
        if written > 0 {
          toTLS.removeFirst(Int(written))
          writeWants = 0
          progressed = true
        } else {
          switch SSL_get_error(ssl, written) {
          case SSL_ERROR_WANT_READ: writeWants = Int16(POLLIN)
          case SSL_ERROR_WANT_WRITE: writeWants = Int16(POLLOUT)
          default: return
          }
        }
      } else if tlsClosed {
        toTLS.removeAll()
      }
      if progressed { continue }

      var tcpEvents: Int16 = writeWants
      if toPlain.isEmpty, !tlsClosed { tcpEvents |= readWants }
      var plainEvents: Int16 = 0
      if toTLS.isEmpty, !plainClosed { plainEvents |= Int16(POLLIN) }
      if !toPlain.isEmpty { plainEvents |= Int16(POLLOUT) }
      var pollers = [
        pollfd(fd: self.tcp, events: tcpEvents, revents: 0),
        pollfd(fd: self.plain, events: plainEvents, revents: 0),
        pollfd(fd: self.stop, events: Int16(POLLIN), revents: 0),
      ]
      _ = poll(&pollers, 3, -1)
      if pollers[2].revents != 0 { return }
    }
  }
}
