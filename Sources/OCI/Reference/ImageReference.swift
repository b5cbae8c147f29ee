// Docker image references.
//
// A reference is `[registry/]repository[:tag][@digest]`, normalised the way the Docker CLI does
// it:
//
// - The part before the first `/` is a registry host only if it contains a `.` or a `:`, is
//   `localhost`, or has an uppercase letter; otherwise the whole name is a Docker Hub repository.
// - Docker Hub is named `docker.io` (the legacy `index.docker.io` is rewritten to it), and a Hub
//   repository with a single component gets the `library/` prefix.
// - Repository components are lowercase letters and digits joined by one `.`, one or two `_`, or
//   any run of `-`; the whole name is at most 255 characters.
// - A tag is a letter, digit or `_` followed by up to 127 letters, digits, `_`, `.` or `-`.
// - A bare 64-character hexadecimal string is refused because it looks like an image ID.
// - The registry's API for Docker Hub is served from `registry-1.docker.io`.

/// A parsed and normalised image reference such as `docker.io/library/alpine:3.19`.
public struct ImageReference: Hashable, Sendable, CustomStringConvertible {
  /// The registry as it appears in the normalised name: `docker.io`, `ghcr.io`,
  /// `localhost:5000`, `127.0.0.1:5000`.
  public let registry: String
  /// The repository path inside the registry, for example `library/alpine`.
  public let repository: String
  /// The tag, if one was given.
  public let tag: String?
  /// The digest, if one was given.
  public let digest: Digest?

  /// The normalised name of Docker Hub.
  public static let dockerHubRegistry = "docker.io"
  /// The host that serves Docker Hub's registry API.
  public static let dockerHubAPIHost = "registry-1.docker.io"
  /// The tag used when a reference has neither a tag nor a digest.
  public static let defaultTag = "latest"

  /// Parses a reference the way `docker pull` does.
  /// - Parameter string: A reference such as `alpine`, `alpine:3.19`,
  ///   `localhost:5000/team/app@sha256:…` or `ghcr.io/org/app:v1@sha256:…`.
  /// - Throws: ``OCIError/Code-swift.struct/invalidReference`` naming the reference and what is
  ///   wrong with it.
  public init(parsing string: String) throws {
    guard !string.isEmpty else {
      throw ImageReference.invalid(string, "is empty; give a name such as alpine or host/repo:tag")
    }
    if string.utf8.count == 64, string.utf8.allSatisfy(ImageReference.isLowerHex) {
      throw ImageReference.invalid(
        string,
        "is a 64-character hexadecimal string, which names an image ID rather than a repository")
    }
    var namePart = Substring(string)
    var digest: Digest?
    if let at = namePart.firstIndex(of: "@") {
      let digestString = String(namePart[namePart.index(after: at)...])
      do {
        digest = try Digest(parsing: digestString)
      } catch let error as OCIError {
        throw OCIError(
          code: .invalidReference,
          message: "image reference \"\(string)\" has an invalid digest: \(error.message)")
      }
      namePart = namePart[..<at]
    }
    var tag: String?
    if let colon = namePart.lastIndex(of: ":") {
      let slash = namePart.lastIndex(of: "/")
      if slash == nil || colon > slash! {
        tag = String(namePart[namePart.index(after: colon)...])
        namePart = namePart[..<colon]
      }
    }
    var registry = ImageReference.dockerHubRegistry
    var path = String(namePart)
    if let slash = namePart.firstIndex(of: "/") {
      let first = namePart[..<slash]
      let isHost =
        first.contains(".") || first.contains(":") || first == "localhost"
        || first.contains(where: \.isUppercase)
      if isHost {
        registry = String(first)
        path = String(namePart[namePart.index(after: slash)...])
      }
    }
    if registry == "index.docker.io" {
      registry = ImageReference.dockerHubRegistry
    }
    if registry == ImageReference.dockerHubRegistry, !path.contains("/") {
      path = "library/" + path
    }
    try self.init(
      registry: registry, repository: path, tag: tag, digest: digest, original: string)
  }

  /// Creates a reference from its parts, validating each.
  /// - Parameters:
  ///   - registry: The registry host with an optional port, such as `localhost:5000`.
  ///   - repository: The lowercase repository path, such as `team/app`.
  ///   - tag: An optional tag.
  ///   - digest: An optional digest.
  /// - Throws: ``OCIError/Code-swift.struct/invalidReference`` if a part is invalid.
  public init(registry: String, repository: String, tag: String? = nil, digest: Digest? = nil)
    throws
  {
    var shown = "\(registry)/\(repository)"
    if let tag { shown += ":\(tag)" }
    if let digest { shown += "@\(digest)" }
    try self.init(
      registry: registry, repository: repository, tag: tag, digest: digest, original: shown)
  }

  private init(
    registry: String, repository: String, tag: String?, digest: Digest?, original: String
  ) throws {
    guard ImageReference.isValidRegistry(registry) else {
      throw ImageReference.invalid(
        original, "has an invalid registry host \"\(registry)\"; use host, host:port or [ipv6]:port"
      )
    }
    guard !repository.isEmpty else {
      throw ImageReference.invalid(original, "has an empty repository name")
    }
    guard !repository.contains(where: \.isUppercase) else {
      throw ImageReference.invalid(
        original, "has repository \"\(repository)\" with uppercase letters; it must be lowercase")
    }
    for component in repository.split(separator: "/", omittingEmptySubsequences: false) {
      guard ImageReference.isValidPathComponent(component) else {
        throw ImageReference.invalid(
          original,
          "has an invalid repository component \"\(component)\"; components are lowercase "
            + "letters and digits separated by '.', '_', '__' or '-'")
      }
    }
    guard registry.utf8.count + 1 + repository.utf8.count <= 255 else {
      throw ImageReference.invalid(original, "has a name longer than 255 characters")
    }
    if let tag {
      guard ImageReference.isValidTag(tag) else {
        throw ImageReference.invalid(
          original,
          "has an invalid tag \"\(tag)\"; a tag is up to 128 letters, digits, '_', '.' or '-' "
            + "and does not start with '.' or '-'")
      }
    }
    self.registry = registry
    self.repository = repository
    self.tag = tag
    self.digest = digest
  }

  /// The host (and port) that serves the registry API: `registry-1.docker.io` for Docker Hub,
  /// the registry itself otherwise.
  public var apiHost: String {
    self.registry == ImageReference.dockerHubRegistry
      ? ImageReference.dockerHubAPIHost : self.registry
  }

  /// The fully qualified repository name, `registry/repository`.
  public var name: String { "\(self.registry)/\(self.repository)" }

  /// The normalised reference, `registry/repository[:tag][@digest]`.
  public var description: String {
    var text = self.name
    if let tag = self.tag { text += ":\(tag)" }
    if let digest = self.digest { text += "@\(digest)" }
    return text
  }

  /// The short form Docker prints: without `docker.io/` and `library/` for Hub images.
  public var familiarDescription: String {
    var name = self.name
    if self.registry == ImageReference.dockerHubRegistry {
      name = self.repository
      if name.hasPrefix("library/"), name.dropFirst(8).firstIndex(of: "/") == nil {
        name = String(name.dropFirst(8))
      }
    }
    if let tag = self.tag { name += ":\(tag)" }
    if let digest = self.digest { name += "@\(digest)" }
    return name
  }

  /// The tag or digest to put into a `/v2/<name>/manifests/<reference>` URL: the digest if there
  /// is one, else the tag, else `latest`.
  public var manifestReference: String {
    if let digest = self.digest { return digest.description }
    return self.tag ?? ImageReference.defaultTag
  }

  /// This reference with the `latest` tag added when it has neither tag nor digest.
  public func withDefaultTag() -> ImageReference {
    guard self.tag == nil, self.digest == nil else {
      return self
    }
    return self.replacing(tag: ImageReference.defaultTag, digest: nil)
  }

  /// The same repository with another tag and digest.
  /// - Parameters:
  ///   - tag: The new tag, or `nil` for none.
  ///   - digest: The new digest, or `nil` for none.
  /// - Returns: The new reference.
  /// - Throws: ``OCIError/Code-swift.struct/invalidReference`` if the tag is invalid.
  public func with(tag: String?, digest: Digest? = nil) throws -> ImageReference {
    try ImageReference(
      registry: self.registry, repository: self.repository, tag: tag, digest: digest)
  }

  private func replacing(tag: String?, digest: Digest?) -> ImageReference {
    // The parts were validated when this reference was made and the default tag is valid.
    return try! ImageReference(
      registry: self.registry, repository: self.repository, tag: tag, digest: digest)
  }

  private static func invalid(_ reference: String, _ problem: String) -> OCIError {
    OCIError(code: .invalidReference, message: "image reference \"\(reference)\" \(problem)")
  }

  private static func isLowerHex(_ byte: UInt8) -> Bool {
    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66)
  }

  private static func isLowerAlnum(_ byte: UInt8) -> Bool {
    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7a)
  }

  private static func isAlnum(_ byte: UInt8) -> Bool {
    ImageReference.isLowerAlnum(byte) || (byte >= 0x41 && byte <= 0x5a)
  }

  /// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
  static func isValidPathComponent(_ component: Substring) -> Bool {
    let bytes = Array(component.utf8)
    guard let first = bytes.first, let last = bytes.last,
      ImageReference.isLowerAlnum(first), ImageReference.isLowerAlnum(last)
    else {
      return false
    }
    var index = 0
    while index < bytes.count {
      if ImageReference.isLowerAlnum(bytes[index]) {
        index += 1
        continue
      }
      var end = index
      while end < bytes.count, !ImageReference.isLowerAlnum(bytes[end]) { end += 1 }
      let separator = bytes[index..<end]
      let valid =
        separator.elementsEqual([UInt8(ascii: ".")])
        || separator.elementsEqual([UInt8(ascii: "_")])
        || separator.elementsEqual([UInt8(ascii: "_"), UInt8(ascii: "_")])
        || separator.allSatisfy { $0 == UInt8(ascii: "-") }
      guard valid else {
        return false
      }
      index = end
    }
    return true
  }

  /// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`
  static func isValidTag(_ tag: String) -> Bool {
    let bytes = Array(tag.utf8)
    guard let first = bytes.first, bytes.count <= 128,
      ImageReference.isAlnum(first) || first == UInt8(ascii: "_")
    else {
      return false
    }
    return bytes.allSatisfy {
      ImageReference.isAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
        || $0 == UInt8(ascii: "-")
    }
  }

  /// A DNS name or IPv4 address, or an IPv6 address in brackets, with an optional port.
  static func isValidRegistry(_ registry: String) -> Bool {
    var host = Substring(registry)
    if host.hasPrefix("[") {
      guard let close = host.firstIndex(of: "]") else {
        return false
      }
      let address = host[host.index(after: host.startIndex)..<close]
      guard !address.isEmpty,
        address.allSatisfy({ $0.isHexDigit || $0 == ":" })
      else {
        return false
      }
      host = host[host.index(after: close)...]
      guard host.isEmpty || host.hasPrefix(":") else {
        return false
      }
      return host.isEmpty || ImageReference.isValidPort(host.dropFirst())
    }
    if let colon = host.firstIndex(of: ":") {
      guard ImageReference.isValidPort(host[host.index(after: colon)...]) else {
        return false
      }
      host = host[..<colon]
    }
    let labels = host.split(separator: ".", omittingEmptySubsequences: false)
    return !host.isEmpty
      && labels.allSatisfy { label in
        let bytes = Array(label.utf8)
        guard let first = bytes.first, let last = bytes.last,
          ImageReference.isAlnum(first), ImageReference.isAlnum(last)
        else {
          return false
        }
        return bytes.allSatisfy { ImageReference.isAlnum($0) || $0 == UInt8(ascii: "-") }
      }
  }

  private static func isValidPort(_ port: Substring) -> Bool {
    !port.isEmpty && port.utf8.count <= 5 && port.allSatisfy(\.isASCII)
      && port.allSatisfy(\.isNumber)
  }
}
