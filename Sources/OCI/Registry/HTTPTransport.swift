// HTTP for the registry client, on Foundation's URLSession.
//
// Three things are added on top of URLSession here:
//
// - Retries: a request that fails with 429 Too Many Requests, 500, 502, 503 or 504, or whose
//   connection drops, times out or cannot be opened, is sent again after a delay that doubles
//   from `RetryPolicy.initialDelay` up to `RetryPolicy.maxDelay` (a `Retry-After` header in
//   seconds is honoured up to the same cap), at most `RetryPolicy.maxAttempts` times in all.
// - Redirects are followed here instead of inside URLSession, so that an `Authorization` header
//   is dropped whenever a redirect leaves the host it was meant for (registries redirect blob
//   downloads to storage services).
// - Transport failures become `OCIError`s that name the host.

import Foundation
import Synchronization

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

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

/// Sends requests through one URLSession with retries and careful redirects.
final class HTTPTransport: Sendable {
  private let session: URLSession
  private let events: SessionEvents
  let retry: RetryPolicy

  init(
    retry: RetryPolicy, timeout: Duration, userAgent: String, insecureHosts: Set<String> = []
  ) {
    let configuration = URLSessionConfiguration.ephemeral
    let seconds =
      Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
    configuration.timeoutIntervalForRequest = seconds
    configuration.httpAdditionalHeaders = ["User-Agent": userAgent]
    configuration.httpShouldSetCookies = false
    configuration.urlCache = nil
    configuration.urlCredentialStorage = nil
    configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
    let events = SessionEvents(insecureHosts: insecureHosts)
    self.events = events
    self.session = URLSession(configuration: configuration, delegate: events, delegateQueue: nil)
    self.retry = retry
  }

  deinit {
    self.session.finishTasksAndInvalidate()
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
      } catch let error as URLError {
        if Task.isCancelled || error.code == .cancelled {
          throw CancellationError()
        }
        guard attempt < attempts, HTTPTransport.isRetryable(error) else {
          throw OCIError(
            code: .connectionFailed,
            message:
              "cannot \(request.method) \(request.url.path) on \(hostAndPort(of: request.url)) "
              + "(\(request.url.scheme ?? "?")) after \(attempt) attempt(s); check that the "
              + "registry is running and reachable, and whether it needs TLS or plain HTTP",
            cause: HTTPTransport.withoutURL(error))
        }
        try await Task.sleep(for: self.retry.delay(beforeRetry: attempt, retryAfter: nil))
        attempt += 1
      }
    }
  }

  private func sendOnce(_ request: HTTPRequest, destination: URL?) async throws -> HTTPResponse {
    var urlRequest = URLRequest(url: request.url)
    urlRequest.httpMethod = request.method
    for (name, value) in request.headers {
      urlRequest.setValue(value, forHTTPHeaderField: name)
    }
    let task: URLSessionTask
    switch request.body {
    case .none:
      task = self.session.dataTask(with: urlRequest)
    case .data(let body):
      task = self.session.uploadTask(with: urlRequest, from: body)
    case .file(let file):
      task = self.session.uploadTask(with: urlRequest, fromFile: file)
    }
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
    let outcome = try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { continuation in
        self.events.register(task, continuation: continuation, sink: sink)
        task.resume()
      }
    } onCancel: {
      task.cancel()
    }
    if let failure = outcome.sinkError {
      throw OCIError(
        code: .io,
        message: "cannot write the download of \(request.url.path) to \(destination?.path ?? "")",
        cause: failure)
    }
    guard let http = outcome.response else {
      throw URLError(.badServerResponse)
    }
    var headers: [String: String] = [:]
    for (name, value) in http.allHeaderFields {
      guard let name = name as? String, let value = value as? String else { continue }
      headers[name.lowercased()] = value
    }
    return HTTPResponse(
      status: http.statusCode, headers: headers, body: outcome.body, url: request.url)
  }

  /// The error without the failing URL, whose query may carry an account name.
  private static func withoutURL(_ error: URLError) -> URLError {
    var info: [String: Any] = [:]
    if let text = error.userInfo[NSLocalizedDescriptionKey] {
      info[NSLocalizedDescriptionKey] = text
    }
    return URLError(error.code, userInfo: info)
  }

  static func isRetryable(status: Int) -> Bool {
    status == 429 || status == 500 || status == 502 || status == 503 || status == 504
  }

  static func isRetryable(_ error: URLError) -> Bool {
    switch error.code {
    case .networkConnectionLost, .timedOut, .cannotConnectToHost, .badServerResponse,
      .zeroByteResource, .cannotParseResponse:
      return true
    default:
      return false
    }
  }
}

/// What one URLSession task produced.
private struct TaskOutcome: Sendable {
  var response: HTTPURLResponse?
  var body: Data
  var sinkError: (any Error)?
}

/// The session delegate: collects each task's response and body and resumes its waiter.
///
/// Two behaviours of Foundation's URLSession on Linux are worked around here. It answers a 401
/// response that carries `WWW-Authenticate` with its own authentication machinery, which never
/// completes the task unless the delegate decides; the delegate therefore cancels that challenge
/// and hands the 401 response (without its body) to the registry client, which does its own
/// authentication (that machinery also parses the header's `realm` itself and expects one). And
/// redirects are refused so that ``HTTPTransport`` follows them itself. Server-trust challenges,
/// which only Apple's Foundation sends, get the system's normal verification except for insecure
/// hosts; Foundation on Linux verifies certificates against the system store and offers no hook.
private final class SessionEvents: NSObject, URLSessionDataDelegate, Sendable {
  private struct Pending {
    var continuation: CheckedContinuation<TaskOutcome, any Error>
    var body = Data()
    var sink: FileHandle?
    var sinkError: (any Error)?
    var challenged: HTTPURLResponse?
  }

  private let pending = Mutex<[Int: Pending]>([:])
  private let insecureHosts: Set<String>

  init(insecureHosts: Set<String>) {
    self.insecureHosts = insecureHosts
  }

  private static func host(of space: URLProtectionSpace) -> String {
    var host = space.host
    if host.contains(":"), !host.hasPrefix("[") {
      host = "[\(host)]"
    }
    return space.port == 443 ? host : "\(host):\(space.port)"
  }

  func register(
    _ task: URLSessionTask, continuation: CheckedContinuation<TaskOutcome, any Error>,
    sink: FileHandle?
  ) {
    self.pending.withLock {
      $0[task.taskIdentifier] = Pending(continuation: continuation, sink: sink)
    }
  }

  func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
    let status = (dataTask.response as? HTTPURLResponse)?.statusCode ?? 0
    self.pending.withLock { pending in
      guard var entry = pending[dataTask.taskIdentifier] else { return }
      if let sink = entry.sink, (200..<300).contains(status) {
        if entry.sinkError == nil {
          do {
            try sink.write(contentsOf: data)
          } catch {
            entry.sinkError = error
          }
        }
      } else {
        entry.body.append(data)
      }
      pending[dataTask.taskIdentifier] = entry
    }
  }

  func urlSession(
    _ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
    completionHandler:
      @escaping @Sendable (URLSession.AuthChallengeDisposition, URLCredential?) ->
      Void
  ) {
    #if canImport(Darwin)
      // Only Apple's Foundation sends server-trust challenges (on Linux the symbol is not even
      // available): an insecure host's certificate is accepted without verification there, as
      // Docker does, and every other host gets the system's normal verification.
      if challenge.protectionSpace.authenticationMethod == NSURLAuthenticationMethodServerTrust {
        if self.insecureHosts.contains(SessionEvents.host(of: challenge.protectionSpace)),
          let trust = challenge.protectionSpace.serverTrust
        {
          completionHandler(.useCredential, URLCredential(trust: trust))
        } else {
          completionHandler(.performDefaultHandling, nil)
        }
        return
      }
    #endif
    let response = challenge.failureResponse as? HTTPURLResponse
    self.pending.withLock { $0[task.taskIdentifier]?.challenged = response }
    completionHandler(.cancelAuthenticationChallenge, nil)
  }

  func urlSession(
    _ session: URLSession, task: URLSessionTask,
    willPerformHTTPRedirection response: HTTPURLResponse, newRequest request: URLRequest,
    completionHandler: @escaping @Sendable (URLRequest?) -> Void
  ) {
    completionHandler(nil)
  }

  func urlSession(
    _ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?
  ) {
    guard let entry = self.pending.withLock({ $0.removeValue(forKey: task.taskIdentifier) }) else {
      return
    }
    if let challenged = entry.challenged {
      entry.continuation.resume(
        returning: TaskOutcome(response: challenged, body: Data(), sinkError: nil))
      return
    }
    if let error {
      let nsError = error as NSError
      if nsError.domain == NSURLErrorDomain {
        entry.continuation.resume(
          throwing: URLError(
            URLError.Code(rawValue: nsError.code) ?? .unknown, userInfo: nsError.userInfo))
      } else {
        entry.continuation.resume(throwing: error)
      }
      return
    }
    entry.continuation.resume(
      returning: TaskOutcome(
        response: task.response as? HTTPURLResponse, body: entry.body,
        sinkError: entry.sinkError))
  }
}
