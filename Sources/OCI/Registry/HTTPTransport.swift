// HTTP for the registry client, on the package's own HTTP/1.1 client (`HTTPClient`).
//
// Three things are added on top of that client here:
//
// - Retries: a request that fails with 429 Too Many Requests, 500, 502, 503 or 504, or whose
//   connection drops, times out or cannot be opened, is sent again after a delay that doubles
//   from `RetryPolicy.initialDelay` up to `RetryPolicy.maxDelay` (a `Retry-After` header in
//   seconds is honoured up to the same cap), at most `RetryPolicy.maxAttempts` times in all.
// - Redirects are followed here, one request at a time, so that an `Authorization` header
//   is dropped whenever a redirect leaves the host it was meant for (registries redirect blob
//   downloads to storage services).
// - Transport failures become `OCIError`s that name the host.

import Foundation
import Synchronization

/// How often and how patiently the registry client retries.
public struct RetryPolicy: Sendable, Hashable {
  /// The most times one request is sent, the first try included.
  public var maxAttempts: Int
  /// The delay before the first retry; each later retry waits twice as long.
  public var initialDelay: Duration
  /// The longest delay between two tries.
  public var maxDelay: Duration

  /// Creates a policy.
  /// - Parameters:
  ///   - maxAttempts: The most times one request is sent; at least 1.
  ///   - initialDelay: The delay before the first retry.
  ///   - maxDelay: The longest delay between two tries.
  public init(
    maxAttempts: Int = 5, initialDelay: Duration = .milliseconds(250),
    maxDelay: Duration = .seconds(8)
  ) {
    self.maxAttempts = max(1, maxAttempts)
    self.initialDelay = initialDelay
    self.maxDelay = maxDelay
  }

  /// Never retry.
  public static let none = RetryPolicy(maxAttempts: 1)

  func delay(beforeRetry retry: Int, retryAfter: String?) -> Duration {
    if let retryAfter, let seconds = Int(retryAfter.trimmingCharacters(in: .whitespaces)),
      seconds >= 0
    {
      return min(.seconds(seconds), self.maxDelay)
    }
    var delay = self.initialDelay
    for _ in 1..<max(1, retry) {
      delay = delay * 2
      if delay >= self.maxDelay { return self.maxDelay }
    }
    return min(delay, self.maxDelay)
  }
}

/// One HTTP request.
struct HTTPRequest: Sendable {
  enum Body: Sendable {
    case none
    case data(Data)
    case file(URL)
  }

  var method: String
  var url: URL
  var headers: [String: String] = [:]
  var body: Body = .none
}

/// One HTTP response with its whole body.
struct HTTPResponse: Sendable {
  var status: Int
  /// Header values by lowercased name.
  var headers: [String: String]
  var body: Data
  var url: URL

  func header(_ name: String) -> String? {
    self.headers[name.lowercased()]
  }
}

/// The `host[:port]` of a URL, as registries and credential stores name hosts.
func hostAndPort(of url: URL) -> String {
  var host = url.host ?? ""
  if host.contains(":"), !host.hasPrefix("[") {
    host = "[\(host)]"
  }
  if let port = url.port {
    host += ":\(port)"
  }
  return host
}

/// Sends requests through the package's HTTP/1.1 client with retries and careful redirects.
final class HTTPTransport: Sendable {
  private let client: HTTPClient
  private let userAgent: String
  let retry: RetryPolicy

  /// Creates a transport.
  /// - Parameters:
  ///   - retry: When and how to retry.
  ///   - timeout: The bound on connecting and on each wait for data.
  ///   - userAgent: The `User-Agent` header.
  ///   - insecureHosts: Hosts (`host[:port]`) whose TLS certificates are not verified.
  ///   - certificateAuthorityFile: A PEM file of CA certificates trusted besides the system's.
  init(
    retry: RetryPolicy, timeout: Duration, userAgent: String, insecureHosts: Set<String> = [],
    certificateAuthorityFile: String? = nil
  ) {
    self.client = HTTPClient(
      timeout: timeout, certificateAuthorityFile: certificateAuthorityFile,
      unverifiedHosts: insecureHosts)
    self.userAgent = userAgent
    self.retry = retry
  }

  /// Sends a request, following up to five redirects and retrying transient failures.
  /// - Parameters:
  ///   - request: The request.
  ///   - retrying: Whether transient failures are retried.
  ///   - destination: If given, a successful (2xx) response body is written to this file instead
  ///     of being returned.
  func send(_ request: HTTPRequest, retrying: Bool = true, downloadingTo destination: URL? = nil)
    async throws -> HTTPResponse
  {
    var current = request
    for _ in 0...5 {
      let response = try await self.sendRetrying(
        current, retrying: retrying, destination: destination)
      guard [301, 302, 303, 307, 308].contains(response.status),
        let location = response.header("location"),
        let next = URL(string: location, relativeTo: current.url)?.absoluteURL
      else {
        return response
      }
      if hostAndPort(of: next) != hostAndPort(of: current.url)
        || next.scheme != current.url.scheme
      {
        current.headers["Authorization"] = nil
      }
      let keepsMethod = response.status == 307 || response.status == 308
      if !keepsMethod, current.method != "HEAD" {
        current.method = "GET"
        current.body = .none
      }
      current.url = next
    }
    throw OCIError(
      code: .registryError,
      message:
        "\(hostAndPort(of: request.url)) redirected \(request.method) \(request.url.path) more "
        + "than five times; the registry or its storage is misconfigured")
  }

  private func sendRetrying(_ request: HTTPRequest, retrying: Bool, destination: URL?)
    async throws -> HTTPResponse
  {
    let attempts = retrying ? self.retry.maxAttempts : 1
    var attempt = 1
    while true {
      do {
        let response = try await self.sendOnce(request, destination: destination)
        if attempt < attempts, HTTPTransport.isRetryable(status: response.status) {
          try await Task.sleep(
            for: self.retry.delay(beforeRetry: attempt, retryAfter: response.header("retry-after"))
          )
          attempt += 1
          continue
        }
        return response
      } catch let error as HTTPClientError {
        if Task.isCancelled || error.kind == .cancelled {
          throw CancellationError()
        }
        if error.kind == .configuration {
          throw OCIError(
            code: .invalidConfiguration,
            message:
              "cannot \(request.method) \(request.url.path) on \(hostAndPort(of: request.url)): "
              + "\(error.reason); configure a readable PEM file of CA certificates",
            cause: error)
        }
        if error.kind == .io {
          throw OCIError(
            code: .io,
            message:
              "cannot \(request.method) \(request.url.path) on \(hostAndPort(of: request.url)): "
              + "\(error.reason)",
            cause: error)
        }
        guard attempt < attempts, error.isTransient else {
          let hint =
            error.kind == .tls
            ? "if the registry's certificate comes from a private CA, trust that CA's PEM file "
              + "(certificateAuthorityFile; the buildkit program's --registry-cacert), or list "
              + "the host as insecure (insecureRegistries; --insecure-registry)"
            : "check that the registry is running and reachable, and whether it needs TLS or "
              + "plain HTTP"
          throw OCIError(
            code: .connectionFailed,
            message:
              "cannot \(request.method) \(request.url.path) on \(hostAndPort(of: request.url)) "
              + "(\(request.url.scheme ?? "?")) after \(attempt) attempt(s): \(error.reason); "
              + hint,
            cause: error)
        }
        try await Task.sleep(for: self.retry.delay(beforeRetry: attempt, retryAfter: nil))
        attempt += 1
      }
    }
  }

  private func sendOnce(_ request: HTTPRequest, destination: URL?) async throws -> HTTPResponse {
    var sink: FileHandle?
    if let destination {
      try? FileManager.default.removeItem(at: destination)
      guard FileManager.default.createFile(atPath: destination.path, contents: nil),
        let handle = try? FileHandle(forWritingTo: destination)
      else {
        throw OCIError(
          code: .io,
          message:
            "cannot create \(destination.path) to download \(request.url.path) into; check "
            + "that its directory exists and is writable")
      }
      sink = handle
    }
    defer { try? sink?.close() }
    var headers = request.headers
    if !headers.keys.contains(where: { $0.lowercased() == "user-agent" }) {
      headers["User-Agent"] = self.userAgent
    }
    let response = try await self.client.send(
      method: request.method, url: request.url, headers: headers, body: request.body, sink: sink)
    return HTTPResponse(
      status: response.status, headers: response.headers, body: response.body, url: request.url)
  }

  static func isRetryable(status: Int) -> Bool {
    status == 429 || status == 500 || status == 502 || status == 503 || status == 504
  }
}
