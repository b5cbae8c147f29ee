// A client for the OCI distribution API (the Docker registry HTTP API V2).
//
// Endpoints used, relative to `<scheme>://<host>`:
//
// - `GET /v2/` checks that the registry speaks the API and learns its authentication challenge.
// - `GET|HEAD|PUT /v2/<name>/manifests/<tag or digest>` reads, checks and writes manifests and
//   indexes. Reads send `Accept` with the OCI and Docker manifest and index media types; writes
//   send the manifest's media type as `Content-Type`. The registry names the digest in
//   `Docker-Content-Digest`.
// - `HEAD|GET /v2/<name>/blobs/<digest>` checks for and reads blobs.
// - `POST /v2/<name>/blobs/uploads/` opens an upload session (202 with `Location`). A monolithic
//   upload then PUTs the whole blob to `Location?digest=<digest>`; a chunked upload PATCHes
//   consecutive pieces with `Content-Range: <first>-<last>` (each reply gives the next
//   `Location`) and closes with an empty PUT `?digest=<digest>`.
// - `POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<other name>` mounts a blob from another
//   repository of the same registry: 201 when mounted, 202 with an upload session when the
//   registry declined (the session is cancelled with DELETE here).
//
// Every manifest and blob that is read is hashed with SHA-256 and compared with the digest it
// was asked for (or, for a tag, with `Docker-Content-Digest`). Errors carry the registry's
// `{"errors": [{"code", "message"}]}` reply when there is one.
//
// Transport security: a registry is contacted over HTTPS, its certificate verified against the
// system's trusted CAs plus those of `certificateAuthorityFile` if one is configured. Hosts
// listed in `insecureRegistries` are treated as Docker treats them: HTTPS is tried first without
// any certificate verification, and plain HTTP is used if HTTPS cannot connect.

public import Foundation
import Synchronization

/// A manifest or index read from a registry, with its verified digest.
public struct FetchedManifest: Sendable {
  /// The exact bytes the registry returned.
  public var data: Data
  /// The media type from the response's `Content-Type`, or from the JSON's `mediaType`.
  public var mediaType: String
  /// The SHA-256 digest of ``data``.
  public var digest: Digest

  /// A descriptor for the manifest.
  public var descriptor: Descriptor {
    Descriptor(mediaType: self.mediaType, digest: self.digest, size: Int64(self.data.count))
  }
}

/// How to upload a blob held in memory.
public enum BlobUploadMode: Sendable, Hashable {
  /// One `PUT` with the whole blob after opening the session.
  case monolithic
  /// `PATCH` requests of at most `chunkSize` bytes, then an empty `PUT`.
  case chunked(chunkSize: Int)
}

/// A client for OCI registries: manifests, blobs, uploads and mounts, with authentication,
/// retries and digest verification.
///
/// All methods are safe to call concurrently. Tokens and the scheme chosen for insecure hosts are
/// remembered for the lifetime of the client.
public final class RegistryClient: Sendable {
  /// Settings of a client.
  public struct Configuration: Sendable {
    /// Where credentials come from; by default the Docker client configuration.
    public var credentials: any CredentialProviding
    /// Hosts (with port, as in image references) whose TLS certificates are not verified and
    /// that may be contacted over plain HTTP when HTTPS cannot connect.
    public var insecureRegistries: Set<String>
    /// A PEM file of CA certificates to trust besides the system's, for registries whose
    /// certificates come from a private CA; `nil` trusts only the system's CAs.
    public var certificateAuthorityFile: String?
    /// When and how to retry.
    public var retry: RetryPolicy
    /// How long a request may wait for data before it fails.
    public var requestTimeout: Duration
    /// The `User-Agent` header, also used as the OAuth2 client ID.
    public var userAgent: String
    /// The piece size for chunked uploads of files.
    public var chunkSize: Int

    /// Creates settings.
    /// - Parameters:
    ///   - credentials: Where credentials come from.
    ///   - insecureRegistries: Hosts whose certificates are not verified and that may be
    ///     contacted over plain HTTP.
    ///   - certificateAuthorityFile: A PEM file of extra CA certificates to trust.
    ///   - retry: When and how to retry.
    ///   - requestTimeout: How long a request may wait for data.
    ///   - userAgent: The `User-Agent` header and OAuth2 client ID.
    ///   - chunkSize: The piece size for chunked uploads of files; at least 1 byte.
    public init(
      credentials: any CredentialProviding = CredentialStore(),
      insecureRegistries: Set<String> = [],
      certificateAuthorityFile: String? = nil,
      retry: RetryPolicy = RetryPolicy(),
      requestTimeout: Duration = .seconds(60),
      userAgent: String = "swift-buildkit",
      chunkSize: Int = 8 << 20
    ) {
      self.credentials = credentials
      self.insecureRegistries = insecureRegistries
      self.certificateAuthorityFile = certificateAuthorityFile
      self.retry = retry
      self.requestTimeout = requestTimeout
      self.userAgent = userAgent
      self.chunkSize = max(1, chunkSize)
    }
  }

  /// The client's settings.
  public let configuration: Configuration
  private let transport: HTTPTransport
  private let authenticator: RegistryAuthenticator
  private let schemes = Mutex<[String: String]>([:])

  /// Creates a client.
  /// - Parameter configuration: The client's settings.
  public init(configuration: Configuration = Configuration()) {
    self.configuration = configuration
    self.transport = HTTPTransport(
      retry: configuration.retry, timeout: configuration.requestTimeout,
      userAgent: configuration.userAgent, insecureHosts: configuration.insecureRegistries,
      certificateAuthorityFile: configuration.certificateAuthorityFile)
    self.authenticator = RegistryAuthenticator(
      credentials: configuration.credentials, clientID: configuration.userAgent)
  }

  // MARK: - Ping

  /// Checks that a registry speaks the distribution API, authenticating if it asks to.
  ///
  /// With credentials this is what `docker login` checks: a Basic challenge is answered with the
  /// credentials, a Bearer challenge with a token fetched for no particular scope.
  /// - Parameter host: The registry host with port if any, as in an image reference
  ///   (`docker.io` is mapped to its API host).
  /// - Throws: ``OCIError/Code-swift.struct/unauthorized`` if the registry refuses the
  ///   credentials, ``OCIError/Code-swift.struct/connectionFailed`` if it cannot be reached.
  public func ping(_ host: String) async throws {
    let apiHost = host == ImageReference.dockerHubRegistry ? ImageReference.dockerHubAPIHost : host
    let url = try await self.url(host: apiHost, path: "/v2/")
    let response = try await self.perform(
      HTTPRequest(method: "GET", url: url), host: apiHost, scopes: [])
    guard response.status == 200 else {
      throw self.statusError(response, host: apiHost, what: "the API version check /v2/")
    }
  }

  // MARK: - Manifests

  /// Reads a manifest or index by tag or digest and verifies its digest.
  /// - Parameter reference: The image reference; its digest is used if it has one, else its tag
  ///   (`latest` if none).
  /// - Returns: The manifest bytes, media type and digest.
  /// - Throws: ``OCIError/Code-swift.struct/notFound`` if the registry has no such manifest,
  ///   ``OCIError/Code-swift.struct/digestMismatch`` if the bytes do not hash to the expected
  ///   digest, or another ``OCIError``.
  public func manifest(for reference: ImageReference) async throws -> FetchedManifest {
    let response = try await self.manifestRequest("GET", reference)
    guard response.status == 200 else {
      throw self.statusError(
        response, host: reference.apiHost, what: "manifest \(reference.description)")
    }
    let digest = try Digest.sha256(of: response.body)
    let expected: Digest?
    if let wanted = reference.digest {
      expected = wanted
    } else {
      expected = response.header("docker-content-digest").flatMap { try? Digest(parsing: $0) }
    }
    if let expected, expected != digest {
      throw OCIError(
        code: .digestMismatch,
        message:
          "manifest \(reference.description) from \(reference.apiHost) hashes to \(digest), "
          + "not \(expected); the registry returned corrupt or different content")
    }
    return FetchedManifest(
      data: response.body,
      mediaType: RegistryClient.mediaType(of: response),
      digest: digest)
  }

  /// Checks whether a manifest exists, with `HEAD`.
  /// - Parameter reference: The image reference (tag or digest).
  /// - Returns: The manifest's descriptor from the response headers, or `nil` if the registry has
  ///   no such manifest.
  /// - Throws: An ``OCIError`` for other failures.
  public func manifestDescriptor(for reference: ImageReference) async throws -> Descriptor? {
    let response = try await self.manifestRequest("HEAD", reference)
    if response.status == 404 {
      return nil
    }
    guard response.status == 200 else {
      throw self.statusError(
        response, host: reference.apiHost, what: "manifest \(reference.description)")
    }
    guard
      let digest = response.header("docker-content-digest").flatMap({ try? Digest(parsing: $0) })
        ?? reference.digest
    else {
      throw OCIError(
        code: .registryError,
        message:
          "registry \(reference.apiHost) answered HEAD for manifest \(reference.description) "
          + "without a Docker-Content-Digest header; fetch the manifest instead")
    }
    let size = response.header("content-length").flatMap { Int64($0) } ?? 0
    return Descriptor(
      mediaType: response.header("content-type") ?? MediaType.ociManifest, digest: digest,
      size: size)
  }

  /// Writes a manifest or index under a tag or its digest.
  /// - Parameters:
  ///   - data: The exact manifest bytes.
  ///   - mediaType: The manifest's media type (see ``MediaType``).
  ///   - reference: Where to write it: the reference's tag, else its digest (which must match
  ///     the bytes), else the digest of the bytes.
  /// - Returns: A descriptor of the written manifest.
  /// - Throws: ``OCIError/Code-swift.struct/digestMismatch`` if the registry reports another
  ///   digest than the bytes have, or another ``OCIError``.
  @discardableResult
  public func putManifest(_ data: Data, mediaType: String, to reference: ImageReference)
    async throws -> Descriptor
  {
    let digest = try Digest.sha256(of: data)
    if let wanted = reference.digest, reference.tag == nil, wanted != digest {
      throw OCIError(
        code: .digestMismatch,
        message:
          "cannot put manifest \(digest) under digest reference \(reference.description); "
          + "push it by tag or under its own digest")
    }
    let tagOrDigest = reference.tag ?? digest.description
    let url = try await self.url(
      host: reference.apiHost, path: "/v2/\(reference.repository)/manifests/\(tagOrDigest)")
    var request = HTTPRequest(method: "PUT", url: url)
    request.headers["Content-Type"] = mediaType
    request.body = .data(data)
    let response = try await self.perform(
      request, host: reference.apiHost, scopes: [RegistryClient.pushScope(reference)])
    guard response.status == 201 || response.status == 200 else {
      throw self.statusError(
        response, host: reference.apiHost,
        what: "manifest \(digest) for \(reference.name):\(tagOrDigest)")
    }
    if let reported = response.header("docker-content-digest").flatMap({
      try? Digest(parsing: $0)
    }), reported != digest {
      throw OCIError(
        code: .digestMismatch,
        message:
          "registry \(reference.apiHost) stored manifest \(digest) for \(reference.name) as "
          + "\(reported); the registry changed the bytes")
    }
    return Descriptor(mediaType: mediaType, digest: digest, size: Int64(data.count))
  }

  // MARK: - Blobs

  /// Checks whether a blob exists in a repository, with `HEAD`.
  /// - Parameters:
  ///   - digest: The blob's digest.
  ///   - repository: The repository; its tag and digest are ignored.
  /// - Returns: The blob's size, or `nil` if the repository has no such blob.
  /// - Throws: An ``OCIError`` for other failures.
  public func blobSize(_ digest: Digest, in repository: ImageReference) async throws -> Int64? {
    let url = try await self.url(
      host: repository.apiHost, path: "/v2/\(repository.repository)/blobs/\(digest)")
    let response = try await self.perform(
      HTTPRequest(method: "HEAD", url: url), host: repository.apiHost,
      scopes: [RegistryClient.pullScope(repository)])
    if response.status == 404 {
      return nil
    }
    guard response.status == 200 else {
      throw self.statusError(
        response, host: repository.apiHost, what: "blob \(digest) in \(repository.name)")
    }
    return response.header("content-length").flatMap { Int64($0) } ?? 0
  }

  /// Reads a blob into memory and verifies its digest.
  /// - Parameters:
  ///   - digest: The blob's digest.
  ///   - repository: The repository; its tag and digest are ignored.
  /// - Returns: The blob's bytes.
  /// - Throws: ``OCIError/Code-swift.struct/notFound`` if there is no such blob,
  ///   ``OCIError/Code-swift.struct/digestMismatch`` if the bytes hash to something else.
  public func blob(_ digest: Digest, from repository: ImageReference) async throws -> Data {
    let url = try await self.url(
      host: repository.apiHost, path: "/v2/\(repository.repository)/blobs/\(digest)")
    let response = try await self.perform(
      HTTPRequest(method: "GET", url: url), host: repository.apiHost,
      scopes: [RegistryClient.pullScope(repository)])
    guard response.status == 200 else {
      throw self.statusError(
        response, host: repository.apiHost, what: "blob \(digest) in \(repository.name)")
    }
    let actual = try Digest.sha256(of: response.body)
    guard actual == digest else {
      throw OCIError(
        code: .digestMismatch,
        message:
          "blob \(digest) from \(repository.name) hashes to \(actual); the registry returned "
          + "corrupt or different content")
    }
    return response.body
  }

  /// Downloads a blob into a file, hashing it in pieces, and verifies its digest.
  ///
  /// The file is removed again if the content does not match.
  /// - Parameters:
  ///   - digest: The blob's digest.
  ///   - repository: The repository; its tag and digest are ignored.
  ///   - file: Where to write the blob; an existing file is replaced.
  /// - Returns: The blob's size in bytes.
  /// - Throws: ``OCIError/Code-swift.struct/notFound``,
  ///   ``OCIError/Code-swift.struct/digestMismatch`` or another ``OCIError``.
  @discardableResult
  public func downloadBlob(_ digest: Digest, from repository: ImageReference, to file: URL)
    async throws -> Int64
  {
    let url = try await self.url(
      host: repository.apiHost, path: "/v2/\(repository.repository)/blobs/\(digest)")
    let response = try await self.perform(
      HTTPRequest(method: "GET", url: url), host: repository.apiHost,
      scopes: [RegistryClient.pullScope(repository)], downloadingTo: file)
    guard response.status == 200 else {
      try? FileManager.default.removeItem(at: file)
      throw self.statusError(
        response, host: repository.apiHost, what: "blob \(digest) in \(repository.name)")
    }
    let (actual, size) = try Digest.sha256(ofFileAt: file)
    guard actual == digest else {
      try? FileManager.default.removeItem(at: file)
      throw OCIError(
        code: .digestMismatch,
        message:
          "blob \(digest) from \(repository.name) hashes to \(actual); the registry returned "
          + "corrupt or different content")
    }
    return size
  }

  /// Uploads a blob held in memory.
  /// - Parameters:
  ///   - data: The blob's bytes.
  ///   - repository: The repository; its tag and digest are ignored.
  ///   - mediaType: The media type for the returned descriptor.
  ///   - mode: One `PUT`, or `PATCH` pieces then a `PUT`.
  /// - Returns: A descriptor of the blob.
  /// - Throws: An ``OCIError`` naming the registry and repository.
  @discardableResult
  public func pushBlob(
    _ data: Data, to repository: ImageReference,
    mediaType: String = "application/octet-stream", mode: BlobUploadMode = .monolithic
  ) async throws -> Descriptor {
    let digest = try Digest.sha256(of: data)
    var location = try await self.startUpload(repository)
    switch mode {
    case .monolithic:
      location = try RegistryClient.appendingDigest(digest, to: location)
      var request = HTTPRequest(method: "PUT", url: location)
      request.headers["Content-Type"] = "application/octet-stream"
      request.body = .data(data)
      try await self.finishUpload(request, digest: digest, repository: repository)
    case .chunked(let chunkSize):
      guard chunkSize > 0 else {
        throw OCIError(
          code: .invalidArgument,
          message: "chunk size \(chunkSize) for a chunked upload must be at least 1 byte")
      }
      var offset = 0
      while offset < data.count {
        let end = min(offset + chunkSize, data.count)
        location = try await self.uploadChunk(
          data.subdata(in: offset..<end), offset: offset, to: location, repository: repository,
          digest: digest)
        offset = end
      }
      var request = HTTPRequest(
        method: "PUT", url: try RegistryClient.appendingDigest(digest, to: location))
      request.body = .data(Data())
      try await self.finishUpload(request, digest: digest, repository: repository)
    }
    return Descriptor(mediaType: mediaType, digest: digest, size: Int64(data.count))
  }

  /// Uploads a file in chunks of ``Configuration/chunkSize`` bytes, hashing it as it goes.
  /// - Parameters:
  ///   - file: The blob's file.
  ///   - repository: The repository; its tag and digest are ignored.
  ///   - mediaType: The media type for the returned descriptor.
  /// - Returns: A descriptor of the blob.
  /// - Throws: ``OCIError/Code-swift.struct/io`` if the file cannot be read, or another
  ///   ``OCIError`` naming the registry and repository.
  @discardableResult
  public func pushBlob(
    contentsOf file: URL, to repository: ImageReference,
    mediaType: String = "application/octet-stream"
  ) async throws -> Descriptor {
    let handle: FileHandle
    do {
      handle = try FileHandle(forReadingFrom: file)
    } catch {
      throw OCIError(
        code: .io, message: "cannot open \(file.path) to upload it; check that it is readable",
        cause: error)
    }
    defer { try? handle.close() }
    var hasher = try SHA256Hasher()
    var location = try await self.startUpload(repository)
    var offset = 0
    while true {
      let chunk: Data
      do {
        chunk = try handle.read(upToCount: self.configuration.chunkSize) ?? Data()
      } catch {
        throw OCIError(
          code: .io, message: "cannot read \(file.path) while uploading it", cause: error)
      }
      guard !chunk.isEmpty else {
        break
      }
      try hasher.update(chunk)
      location = try await self.uploadChunk(
        chunk, offset: offset, to: location, repository: repository, digest: nil)
      offset += chunk.count
    }
    let digest = try hasher.finalize()
    var request = HTTPRequest(
      method: "PUT", url: try RegistryClient.appendingDigest(digest, to: location))
    request.body = .data(Data())
    try await self.finishUpload(request, digest: digest, repository: repository)
    return Descriptor(mediaType: mediaType, digest: digest, size: Int64(offset))
  }

  /// Mounts a blob from another repository of the same registry, so it need not be uploaded.
  /// - Parameters:
  ///   - digest: The blob's digest.
  ///   - sourceRepository: The repository path that has the blob, such as `team/base`.
  ///   - repository: The repository to mount it into; its tag and digest are ignored.
  /// - Returns: `true` if the blob was mounted, `false` if the registry declined (the blob must
  ///   then be uploaded).
  /// - Throws: An ``OCIError`` naming the registry and both repositories.
  @discardableResult
  public func mountBlob(
    _ digest: Digest, from sourceRepository: String, into repository: ImageReference
  ) async throws -> Bool {
    let source = try ImageReference(registry: repository.registry, repository: sourceRepository)
    let base = try await self.url(
      host: repository.apiHost, path: "/v2/\(repository.repository)/blobs/uploads/")
    let url = URL(string: base.absoluteString + "?mount=\(digest)&from=\(sourceRepository)")!
    let response = try await self.perform(
      HTTPRequest(method: "POST", url: url), host: repository.apiHost,
      scopes: [RegistryClient.pushScope(repository), RegistryClient.pullScope(source)])
    switch response.status {
    case 201:
      return true
    case 202:
      if let location = response.header("location"),
        let session = URL(string: location, relativeTo: url)?.absoluteURL
      {
        // Best effort: the upload session the registry opened instead is not needed.
        _ = try? await self.perform(
          HTTPRequest(method: "DELETE", url: session), host: repository.apiHost,
          scopes: [RegistryClient.pushScope(repository)])
      }
      return false
    default:
      throw self.statusError(
        response, host: repository.apiHost,
        what: "mount of blob \(digest) from \(sourceRepository) into \(repository.name)")
    }
  }

  // MARK: - Upload steps

  private func startUpload(_ repository: ImageReference) async throws -> URL {
    let url = try await self.url(
      host: repository.apiHost, path: "/v2/\(repository.repository)/blobs/uploads/")
    var request = HTTPRequest(method: "POST", url: url)
    request.body = .data(Data())
    let response = try await self.perform(
      request, host: repository.apiHost, scopes: [RegistryClient.pushScope(repository)])
    guard response.status == 202, let location = response.header("location"),
      let session = URL(string: location, relativeTo: url)?.absoluteURL
    else {
      throw self.statusError(
        response, host: repository.apiHost, what: "a blob upload to \(repository.name)")
    }
    return session
  }

  private func uploadChunk(
    _ chunk: Data, offset: Int, to location: URL, repository: ImageReference, digest: Digest?
  ) async throws -> URL {
    var request = HTTPRequest(method: "PATCH", url: location)
    request.headers["Content-Type"] = "application/octet-stream"
    request.headers["Content-Range"] = "\(offset)-\(offset + chunk.count - 1)"
    request.body = .data(chunk)
    let response = try await self.perform(
      request, host: repository.apiHost, scopes: [RegistryClient.pushScope(repository)])
    guard response.status == 202, let next = response.header("location"),
      let session = URL(string: next, relativeTo: location)?.absoluteURL
    else {
      throw self.statusError(
        response, host: repository.apiHost,
        what:
          "bytes \(offset)-\(offset + chunk.count - 1) of a chunked upload"
          + (digest.map { " of blob \($0)" } ?? "") + " to \(repository.name)")
    }
    return session
  }

  private func finishUpload(_ request: HTTPRequest, digest: Digest, repository: ImageReference)
    async throws
  {
    let response = try await self.perform(
      request, host: repository.apiHost, scopes: [RegistryClient.pushScope(repository)])
    guard response.status == 201 || response.status == 204 else {
      throw self.statusError(
        response, host: repository.apiHost,
        what: "the upload of blob \(digest) to \(repository.name)")
    }
  }

  private static func appendingDigest(_ digest: Digest, to location: URL) throws -> URL {
    let text = location.absoluteString
    let separator = text.contains("?") ? "&" : "?"
    guard let url = URL(string: text + separator + "digest=\(digest)") else {
      throw OCIError(
        code: .registryError,
        message: "the registry's upload location \(location.path) cannot take a digest parameter")
    }
    return url
  }

  // MARK: - Requests

  private func manifestRequest(_ method: String, _ reference: ImageReference) async throws
    -> HTTPResponse
  {
    let url = try await self.url(
      host: reference.apiHost,
      path: "/v2/\(reference.repository)/manifests/\(reference.manifestReference)")
    var request = HTTPRequest(method: method, url: url)
    request.headers["Accept"] = MediaType.manifestTypes.joined(separator: ", ")
    return try await self.perform(
      request, host: reference.apiHost, scopes: [RegistryClient.pullScope(reference)])
  }

  /// Sends a request with what is known about the host's authentication, and answers one 401.
  private func perform(
    _ request: HTTPRequest, host: String, scopes: [String], downloadingTo file: URL? = nil
  ) async throws -> HTTPResponse {
    var request = request
    let registryURL = try await self.url(host: host, path: "/v2/")
    let mayAuthorize = hostAndPort(of: request.url) == host
    if mayAuthorize,
      let header = try await self.authenticator.authorization(
        host: host, registryURL: registryURL, scopes: scopes, transport: self.transport)
    {
      request.headers["Authorization"] = header
    }
    let response = try await self.transport.send(request, downloadingTo: file)
    guard response.status == 401, mayAuthorize else {
      return response
    }
    let challenges = AuthChallenge.parse(response.header("www-authenticate") ?? "")
    let hadAuthorization = request.headers["Authorization"] != nil
    guard
      let header = try await self.authenticator.authorization(
        answering: challenges, host: host, registryURL: registryURL, scopes: scopes,
        transport: self.transport)
    else {
      throw self.unauthorized(host: host, scopes: scopes, sentCredentials: hadAuthorization)
    }
    request.headers["Authorization"] = header
    let retried = try await self.transport.send(request, downloadingTo: file)
    guard retried.status != 401 else {
      throw self.unauthorized(host: host, scopes: scopes, sentCredentials: true)
    }
    return retried
  }

  private func unauthorized(host: String, scopes: [String], sentCredentials: Bool) -> OCIError {
    let what = scopes.isEmpty ? "" : " for \(scopes.joined(separator: " "))"
    if sentCredentials {
      return OCIError(
        code: .unauthorized,
        message:
          "registry \(host) refused the credentials\(what); check the user name and password "
          + "configured for \(host) (docker login \(host))")
    }
    return OCIError(
      code: .unauthorized,
      message:
        "registry \(host) requires authentication\(what) and no credentials are configured "
        + "for it; run docker login \(host) or pass credentials")
  }

  /// The base URL for a host, choosing HTTP or HTTPS.
  private func url(host: String, path: String) async throws -> URL {
    let scheme = try await self.scheme(for: host)
    guard let url = URL(string: "\(scheme)://\(host)\(path)") else {
      throw OCIError(
        code: .invalidArgument,
        message: "registry host \"\(host)\" and path \(path) do not form a URL")
    }
    return url
  }

  private func scheme(for host: String) async throws -> String {
    guard self.configuration.insecureRegistries.contains(host) else {
      return "https"
    }
    if let known = self.schemes.withLock({ $0[host] }) {
      return known
    }
    var scheme = "http"
    if let probe = URL(string: "https://\(host)/v2/") {
      do {
        _ = try await self.transport.send(HTTPRequest(method: "GET", url: probe), retrying: false)
        scheme = "https"
      } catch let error as OCIError where error.code == .connectionFailed {
        scheme = "http"
      }
    }
    self.schemes.withLock { $0[host] = scheme }
    return scheme
  }

  private static func pullScope(_ repository: ImageReference) -> String {
    "repository:\(repository.repository):pull"
  }

  private static func pushScope(_ repository: ImageReference) -> String {
    "repository:\(repository.repository):pull,push"
  }

  private static func mediaType(of response: HTTPResponse) -> String {
    if let contentType = response.header("content-type") {
      let bare = contentType.split(separator: ";").first.map {
        $0.trimmingCharacters(in: .whitespaces)
      }
      if let bare, MediaType.manifestTypes.contains(bare) {
        return bare
      }
    }
    struct Probe: Decodable { var mediaType: String? }
    if let probe = try? JSONDecoder().decode(Probe.self, from: response.body),
      let mediaType = probe.mediaType
    {
      return mediaType
    }
    return response.header("content-type") ?? MediaType.ociManifest
  }

  private func statusError(_ response: HTTPResponse, host: String, what: String) -> OCIError {
    struct ErrorReply: Decodable {
      struct Entry: Decodable {
        var code: String?
        var message: String?
      }
      var errors: [Entry]?
    }
    var detail = ""
    if let reply = try? JSONDecoder().decode(ErrorReply.self, from: response.body),
      let errors = reply.errors, !errors.isEmpty
    {
      detail =
        ": "
        + errors.map { [$0.code, $0.message].compactMap { $0 }.joined(separator: " ") }
        .joined(separator: "; ")
    }
    switch response.status {
    case 404:
      return OCIError(
        code: .notFound,
        message:
          "registry \(host) has no \(what) (HTTP 404\(detail)); check the name, tag and digest")
    case 401, 403:
      return OCIError(
        code: .unauthorized,
        message:
          "registry \(host) denied access to \(what) (HTTP \(response.status)\(detail)); check "
          + "the credentials and their permissions for \(host)")
    default:
      return OCIError(
        code: .registryError,
        message: "registry \(host) answered HTTP \(response.status) for \(what)\(detail)")
    }
  }
}
