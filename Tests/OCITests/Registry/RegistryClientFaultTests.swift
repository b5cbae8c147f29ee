import Foundation
import OCI
import Synchronization
import Testing

/// The registry client against small fake servers on 127.0.0.1 that misbehave on purpose:
/// transient failures, Bearer token servers, redirects and corrupt content.
@Suite("RegistryClient with a misbehaving server")
struct RegistryClientFaultTests {
  static func client(
    insecure: [String], credentials: [String: Credentials] = [:], attempts: Int = 4
  ) -> RegistryClient {
    RegistryClient(
      configuration: RegistryClient.Configuration(
        credentials: StaticCredentials(credentials),
        insecureRegistries: Set(insecure),
        retry: RetryPolicy(
          maxAttempts: attempts, initialDelay: .milliseconds(5), maxDelay: .milliseconds(20))))
  }

  /// A manifest and the headers a registry sends with it.
  static func manifest() throws -> (data: Data, digest: Digest, headers: [(String, String)]) {
    let config = Data("{}".utf8)
    let data = try ImageManifest(
      config: Descriptor(
        mediaType: MediaType.ociConfig, digest: try Digest.sha256(of: config), size: 2),
      layers: []
    ).encoded()
    let digest = try Digest.sha256(of: data)
    return (
      data, digest,
      [("Content-Type", MediaType.ociManifest), ("Docker-Content-Digest", digest.description)]
    )
  }

  /// Counts calls per key from inside a server handler.
  final class Counter: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func next(_ key: String) -> Int {
      self.counts.withLock {
        $0[key, default: 0] += 1
        return $0[key]!
      }
    }
  }

  @Test("two 500 answers are retried and the third try reaches docker-registry through the proxy")
  func retriesIntoRealRegistry() async throws {
    try await RegistryServer.with { registry in
      let direct = Self.client(insecure: [registry.host])
      let repository = try ImageReference(parsing: "\(registry.host)/retry/app")
      let image = try await RegistryClientTests.pushImage(
        direct, to: repository, architecture: "amd64")
      try await direct.putManifest(
        image.manifest, mediaType: MediaType.ociManifest, to: try repository.with(tag: "v1"))

      let counter = Counter()
      let proxyHost = Mutex<String>("")
      let handler: FakeHTTPServer.Handler = { request in
        if request.path.contains("/manifests/"), counter.next(request.path) <= 2 {
          return .json(500, #"{"errors":[{"code":"UNKNOWN","message":"flaky"}]}"#)
        }
        return forward(request, to: registry.host, from: proxyHost.withLock { $0 })
      }
      try await FakeHTTPServer.with(handler: handler) { proxy in
        proxyHost.withLock { $0 = proxy.host }
        let client = Self.client(insecure: [proxy.host])
        let fetched = try await client.manifest(
          for: try ImageReference(parsing: "\(proxy.host)/retry/app:v1"))
        #expect(fetched.data == image.manifest)
        let manifestCalls = proxy.requests.filter { $0.path == "/v2/retry/app/manifests/v1" }
        #expect(manifestCalls.count == 3)
      }
    }
  }

  @Test("429 with Retry-After and a dropped connection are both retried")
  func tooManyRequestsAndDroppedConnection() async throws {
    let manifest = try Self.manifest()
    let counter = Counter()
    let handler: FakeHTTPServer.Handler = { request in
      switch counter.next(request.path) {
      case 1: return .json(429, "{}", headers: [("Retry-After", "0")])
      case 2: return .dropped
      default:
        return FakeHTTPServer.Response(status: 200, headers: manifest.headers, body: manifest.data)
      }
    }
    try await FakeHTTPServer.with(handler: handler) { server in
      let client = Self.client(insecure: [server.host])
      let fetched = try await client.manifest(
        for: try ImageReference(parsing: "\(server.host)/a/b:latest"))
      #expect(fetched.digest == manifest.digest)
      #expect(server.requests.filter { $0.path.hasSuffix("/manifests/latest") }.count == 3)
    }
  }

  @Test("retries stop after the configured attempts with an error naming the registry and status")
  func givesUp() async throws {
    let handler: FakeHTTPServer.Handler = { request in
      request.path == "/v2/"
        ? .json(200, "{}") : .json(503, #"{"errors":[{"code":"UNAVAILABLE","message":"down"}]}"#)
    }
    try await FakeHTTPServer.with(handler: handler) { server in
      let client = Self.client(insecure: [server.host], attempts: 3)
      let error = await #expect(throws: OCIError.self) {
        _ = try await client.manifest(for: try ImageReference(parsing: "\(server.host)/a/b:v"))
      }
      #expect(error?.code == .registryError)
      #expect(error?.message.contains(server.host) == true)
      #expect(error?.message.contains("503") == true)
      #expect(error?.message.contains("UNAVAILABLE down") == true)
      #expect(server.requests.filter { $0.path.contains("/manifests/") }.count == 3)
    }
  }

  /// A registry that wants Bearer tokens from `realm`, accepting only `token`.
  static func bearerRegistry(realm: @escaping @Sendable () -> String, token: String)
    throws -> FakeHTTPServer.Handler
  {
    let manifest = try Self.manifest()
    return { request in
      guard request.headers["authorization"] == "Bearer \(token)" else {
        let scope = request.path == "/v2/" ? "" : #",scope="repository:team/app:pull""#
        return .json(
          401, #"{"errors":[{"code":"UNAUTHORIZED"}]}"#,
          headers: [
            ("WWW-Authenticate", #"Bearer realm="\#(realm())",service="fake-registry"\#(scope)"#)
          ])
      }
      return FakeHTTPServer.Response(status: 200, headers: manifest.headers, body: manifest.data)
    }
  }

  @Test(
    "a Bearer challenge is answered with a token fetched with Basic credentials, then cached per scope"
  )
  func bearerFlow() async throws {
    let basic = "Basic " + Data("alice:s3cret-pw".utf8).base64EncodedString()
    let port = Mutex(0)
    let registryHandler = try Self.bearerRegistry(
      realm: { "http://127.0.0.1:\(port.withLock { $0 })/token" }, token: "tok-1")
    let handler: FakeHTTPServer.Handler = { request in
      guard request.path == "/token" else { return registryHandler(request) }
      guard request.headers["authorization"] == basic else { return .json(401, "{}") }
      return .json(200, #"{"token":"tok-1","expires_in":300}"#)
    }
    try await FakeHTTPServer.with(handler: handler) { server in
      port.withLock { $0 = server.port }
      let client = Self.client(
        insecure: [server.host],
        credentials: [server.host: Credentials(username: "alice", password: "s3cret-pw")])
      let reference = try ImageReference(parsing: "\(server.host)/team/app:v1")
      _ = try await client.manifest(for: reference)
      _ = try await client.manifest(for: reference)
      _ = try await client.manifestDescriptor(for: reference)
      let tokenRequests = server.requests.filter { $0.path == "/token" }
      #expect(tokenRequests.count == 1)
      let query = try #require(tokenRequests.first?.query)
      #expect(query["service"] == ["fake-registry"])
      #expect(query["scope"] == ["repository:team/app:pull"])
      #expect(query["account"] == ["alice"])
      let manifestRequests = server.requests.filter { $0.path.contains("/manifests/") }
      #expect(manifestRequests.filter { $0.headers["authorization"] == "Bearer tok-1" }.count == 3)
    }
  }

  @Test("a plain-HTTP token realm on another host gets no credentials and is asked anonymously")
  func foreignRealmIsAnonymous() async throws {
    let handler: FakeHTTPServer.Handler = { request in
      request.headers["authorization"] == nil
        ? .json(200, #"{"access_token":"anon-token"}"#) : .json(400, "{}")
    }
    try await FakeHTTPServer.with(handler: handler) { realm in
      try await FakeHTTPServer.with(
        handler: try Self.bearerRegistry(realm: { "\(realm.baseURL)/token" }, token: "anon-token")
      ) { registry in
        let client = Self.client(
          insecure: [registry.host],
          credentials: [registry.host: Credentials(username: "alice", password: "pw")])
        _ = try await client.manifest(
          for: try ImageReference(parsing: "\(registry.host)/team/app:v1"))
        #expect(realm.requests.count == 1)
        #expect(realm.requests.allSatisfy { $0.headers["authorization"] == nil })
        #expect(realm.requests.first?.query["account"] == nil)
      }
    }
  }

  @Test("an identity token is exchanged at the realm with an OAuth2 refresh-token POST")
  func identityTokenFlow() async throws {
    let port = Mutex(0)
    let registryHandler = try Self.bearerRegistry(
      realm: { "http://127.0.0.1:\(port.withLock { $0 })/oauth" }, token: "access-9")
    let handler: FakeHTTPServer.Handler = { request in
      guard request.path == "/oauth" else { return registryHandler(request) }
      guard request.method == "POST" else { return .json(405, "{}") }
      return .json(200, #"{"access_token":"access-9","expires_in":60}"#)
    }
    try await FakeHTTPServer.with(handler: handler) { server in
      port.withLock { $0 = server.port }
      let client = Self.client(
        insecure: [server.host],
        credentials: [
          server.host: Credentials(username: "", password: "", identityToken: "refresh-xyz")
        ])
      _ = try await client.manifest(for: try ImageReference(parsing: "\(server.host)/team/app:v1"))
      let post = try #require(server.requests.first { $0.path == "/oauth" })
      let form = String(decoding: post.body, as: UTF8.self)
      #expect(post.headers["content-type"] == "application/x-www-form-urlencoded")
      #expect(form.contains("grant_type=refresh_token"))
      #expect(form.contains("refresh_token=refresh-xyz"))
      #expect(form.contains("service=fake-registry"))
      #expect(form.contains("scope=repository%3Ateam%2Fapp%3Apull"))
      #expect(form.contains("client_id=swift-buildkit"))
    }
  }

  @Test("a token server refusing the credentials fails naming both hosts and not the password")
  func tokenServerRefuses() async throws {
    let port = Mutex(0)
    let registryHandler = try Self.bearerRegistry(
      realm: { "http://127.0.0.1:\(port.withLock { $0 })/token" }, token: "never")
    let handler: FakeHTTPServer.Handler = { request in
      request.path == "/token" ? .json(401, "{}") : registryHandler(request)
    }
    try await FakeHTTPServer.with(handler: handler) { server in
      port.withLock { $0 = server.port }
      let password = "pw-\(UUID().uuidString)"
      let client = Self.client(
        insecure: [server.host],
        credentials: [server.host: Credentials(username: "alice", password: password)])
      let error = await #expect(throws: OCIError.self) {
        _ = try await client.manifest(
          for: try ImageReference(parsing: "\(server.host)/team/app:v1"))
      }
      #expect(error?.code == .unauthorized)
      #expect(error?.message.contains("token server \(server.host)") == true)
      #expect(error?.message.contains("registry \(server.host)") == true)
      #expect(error?.description.contains(password) == false)
    }
  }

  @Test("a redirect to another host carries no Authorization header")
  func redirectDropsAuthorization() async throws {
    let blob = Data("layer bytes in object storage".utf8)
    let digest = try Digest.sha256(of: blob)
    let basic = "Basic " + Data("bob:pw".utf8).base64EncodedString()
    let handler: FakeHTTPServer.Handler = { _ in
      FakeHTTPServer.Response(
        status: 200, headers: [("Content-Type", "application/octet-stream")], body: blob)
    }
    try await FakeHTTPServer.with(handler: handler) { storage in
      let handler: FakeHTTPServer.Handler = { request in
        guard request.headers["authorization"] == basic else {
          return .json(401, "{}", headers: [("WWW-Authenticate", #"Basic realm="fake""#)])
        }
        return FakeHTTPServer.Response(
          status: 307, headers: [("Location", "\(storage.baseURL)/bucket/\(digest.encoded)?sig=1")])
      }
      try await FakeHTTPServer.with(handler: handler) { registry in
        let client = Self.client(
          insecure: [registry.host],
          credentials: [registry.host: Credentials(username: "bob", password: "pw")])
        let data = try await client.blob(
          digest, from: try ImageReference(parsing: "\(registry.host)/team/app"))
        #expect(data == blob)
        #expect(registry.requests.last?.headers["authorization"] == basic)
        #expect(storage.requests.count == 1)
        #expect(storage.requests.first?.headers["authorization"] == nil)
        #expect(storage.requests.first?.target == "/bucket/\(digest.encoded)?sig=1")
      }
    }
  }

  @Test("content that does not match its digest is refused for manifests and blobs")
  func corruptContent() async throws {
    let manifest = try Self.manifest()
    let wanted = try Digest.sha256(of: Data("expected".utf8))
    let handler: FakeHTTPServer.Handler = { request in
      if request.path.contains("/manifests/") {
        return FakeHTTPServer.Response(
          status: 200,
          headers: [
            ("Content-Type", MediaType.ociManifest), ("Docker-Content-Digest", wanted.description),
          ],
          body: manifest.data)
      }
      return FakeHTTPServer.Response(status: 200, body: Data("tampered".utf8))
    }
    try await FakeHTTPServer.with(handler: handler) { server in
      let client = Self.client(insecure: [server.host])
      let repository = try ImageReference(parsing: "\(server.host)/a/b")
      let byTag = await #expect(throws: OCIError.self) {
        _ = try await client.manifest(for: try repository.with(tag: "v1"))
      }
      #expect(byTag?.code == .digestMismatch)
      #expect(byTag?.message.contains(wanted.description) == true)
      let byDigest = await #expect(throws: OCIError.self) {
        _ = try await client.manifest(for: try repository.with(tag: nil, digest: wanted))
      }
      #expect(byDigest?.code == .digestMismatch)
      let blob = await #expect(throws: OCIError.self) {
        _ = try await client.blob(wanted, from: repository)
      }
      #expect(blob?.code == .digestMismatch)
      #expect(blob?.message.contains(wanted.description) == true)
    }
  }

  @Test(
    "uploads use POST then PUT ?digest= whole, or PATCH pieces with Content-Range then an empty PUT"
  )
  func uploadWireFormat() async throws {
    let stored = Mutex<[String: Data]>([:])
    let handler: FakeHTTPServer.Handler = { request in
      switch request.method {
      case "POST":
        let id = UUID().uuidString
        return FakeHTTPServer.Response(
          status: 202, headers: [("Location", "/v2/a/b/blobs/uploads/\(id)?_state=s%3D")])
      case "PATCH":
        stored.withLock { $0[request.path, default: Data()].append(request.body) }
        return FakeHTTPServer.Response(
          status: 202, headers: [("Location", request.target), ("Range", "0-0")])
      case "PUT":
        stored.withLock { $0[request.path, default: Data()].append(request.body) }
        return FakeHTTPServer.Response(status: 201)
      default:
        return .json(405, "{}")
      }
    }
    try await FakeHTTPServer.with(handler: handler) { server in
      let client = Self.client(insecure: [server.host])
      let repository = try ImageReference(parsing: "\(server.host)/a/b")
      let data = Data("0123456789abcdefghijKLMNO".utf8)
      let digest = try Digest.sha256(of: data)

      try await client.pushBlob(data, to: repository)
      let whole = server.requests.filter { $0.path.hasPrefix("/v2/a/b/blobs/uploads/") }
      #expect(whole.map(\.method) == ["POST", "PUT"])
      #expect(whole[1].query["digest"] == [digest.description])
      #expect(whole[1].query["_state"] == ["s="])
      #expect(whole[1].body == data)

      let before = server.requests.count
      try await client.pushBlob(data, to: repository, mode: .chunked(chunkSize: 10))
      let chunked = Array(server.requests[before...])
      #expect(chunked.map(\.method) == ["POST", "PATCH", "PATCH", "PATCH", "PUT"])
      #expect(chunked[1...3].map { $0.headers["content-range"] } == ["0-9", "10-19", "20-24"])
      #expect(chunked[4].query["digest"] == [digest.description])
      #expect(chunked[4].body.isEmpty)
      #expect(stored.withLock { $0[chunked[4].path] } == data)
    }
  }

  @Test("a host that is not in insecureRegistries is only contacted over HTTPS")
  func httpsUnlessInsecure() async throws {
    let handler: FakeHTTPServer.Handler = { _ in .json(200, "{}") }
    try await FakeHTTPServer.with(handler: handler) { server in
      let client = Self.client(insecure: [], attempts: 1)
      let error = await #expect(throws: OCIError.self) { try await client.ping(server.host) }
      #expect(error?.code == .connectionFailed)
      #expect(error?.message.contains(server.host) == true)
      #expect(error?.message.contains("https") == true)
      #expect(server.requests.isEmpty)
      try await Self.client(insecure: [server.host]).ping(server.host)
      #expect(server.requests.map(\.path) == ["/v2/"])
    }
  }

  @Test("a Basic challenge without configured credentials fails saying so")
  func basicWithoutCredentials() async throws {
    let handler: FakeHTTPServer.Handler = { _ in
      .json(401, "{}", headers: [("WWW-Authenticate", #"Basic realm="r""#)])
    }
    try await FakeHTTPServer.with(handler: handler) { server in
      let client = Self.client(insecure: [server.host])
      let error = await #expect(throws: OCIError.self) {
        _ = try await client.blobSize(
          try Digest.sha256(of: Data()), in: try ImageReference(parsing: "\(server.host)/x/y"))
      }
      #expect(error?.code == .unauthorized)
      #expect(error?.message.contains("no credentials are configured") == true)
      #expect(error?.message.contains(server.host) == true)
    }
  }
}
