import OCI
import Testing

@Suite("ImageReference")
struct ImageReferenceTests {
  static let hex = String(repeating: "ab", count: 32)

  struct Case: Sendable, CustomTestStringConvertible {
    var input: String
    var registry: String
    var repository: String
    var tag: String?
    var digest: String?
    var testDescription: String { self.input }
  }

  static let valid: [Case] = [
    Case(input: "alpine", registry: "docker.io", repository: "library/alpine"),
    Case(input: "alpine:3.19", registry: "docker.io", repository: "library/alpine", tag: "3.19"),
    Case(input: "library/alpine", registry: "docker.io", repository: "library/alpine"),
    Case(
      input: "user/app:v1.0_rc-1", registry: "docker.io", repository: "user/app", tag: "v1.0_rc-1"),
    Case(input: "docker.io/alpine", registry: "docker.io", repository: "library/alpine"),
    Case(input: "docker.io/user/app", registry: "docker.io", repository: "user/app"),
    Case(input: "index.docker.io/user/app", registry: "docker.io", repository: "user/app"),
    Case(input: "index.docker.io/redis", registry: "docker.io", repository: "library/redis"),
    Case(input: "localhost/app", registry: "localhost", repository: "app"),
    Case(
      input: "localhost:5000/team/app:dev", registry: "localhost:5000", repository: "team/app",
      tag: "dev"),
    Case(
      input: "127.0.0.1:5000/app@sha256:\(hex)", registry: "127.0.0.1:5000", repository: "app",
      digest: "sha256:\(hex)"),
    Case(
      input: "ghcr.io/org/sub/app:v1@sha256:\(hex)", registry: "ghcr.io", repository: "org/sub/app",
      tag: "v1", digest: "sha256:\(hex)"),
    Case(input: "Example/app", registry: "Example", repository: "app"),
    Case(input: "[::1]:5000/app:x", registry: "[::1]:5000", repository: "app", tag: "x"),
    Case(
      input: "registry.example.com/a.b/c__d/e--f/g_h", registry: "registry.example.com",
      repository: "a.b/c__d/e--f/g_h"),
    Case(input: "my-registry:443/app", registry: "my-registry:443", repository: "app"),
  ]

  @Test("references are split and normalised like docker pull does", arguments: valid)
  func parses(_ item: Case) throws {
    let reference = try ImageReference(parsing: item.input)
    #expect(reference.registry == item.registry)
    #expect(reference.repository == item.repository)
    #expect(reference.tag == item.tag)
    #expect(reference.digest?.description == item.digest)
  }

  static let invalid: [(input: String, mentions: String)] = [
    ("", "empty"),
    ("Alpine", "lowercase"),
    ("docker.io/Library/alpine", "lowercase"),
    ("alpine:", "tag"),
    ("alpine:-bad", "tag"),
    ("alpine:" + String(repeating: "t", count: 129), "tag"),
    ("alpine@sha256:abc", "digest"),
    ("alpine@", "digest"),
    (String(repeating: "ab", count: 32), "hexadecimal"),
    ("a//b", "component"),
    ("a/b/", "component"),
    ("-alpine", "component"),
    ("alpine_", "component"),
    ("a___b", "component"),
    ("host:port/app", "registry host"),
    ("bad_host.io/app", "registry host"),
    ("ex.com/" + String(repeating: "a", count: 250), "255"),
  ]

  @Test("invalid references are refused with a message that quotes them", arguments: invalid)
  func refuses(input: String, mentions: String) {
    let error = #expect(throws: OCIError.self) { try ImageReference(parsing: input) }
    #expect(error?.code == .invalidReference)
    #expect(error?.message.contains("\"\(input)\"") == true)
    #expect(error?.message.contains(mentions) == true, "\(error?.message ?? "")")
  }

  @Test("Docker Hub references talk to registry-1.docker.io and others to their own host")
  func apiHost() throws {
    #expect(try ImageReference(parsing: "alpine").apiHost == "registry-1.docker.io")
    #expect(try ImageReference(parsing: "docker.io/user/app").apiHost == "registry-1.docker.io")
    #expect(try ImageReference(parsing: "localhost:5000/app").apiHost == "localhost:5000")
    #expect(try ImageReference(parsing: "ghcr.io/o/a").apiHost == "ghcr.io")
  }

  @Test("the normalised and familiar forms print the way Docker prints them")
  func printing() throws {
    let hub = try ImageReference(parsing: "alpine:3")
    #expect(hub.description == "docker.io/library/alpine:3")
    #expect(hub.familiarDescription == "alpine:3")
    #expect(hub.name == "docker.io/library/alpine")
    let user = try ImageReference(parsing: "user/app")
    #expect(user.familiarDescription == "user/app")
    let local = try ImageReference(parsing: "localhost:5000/app:1@sha256:\(Self.hex)")
    #expect(local.description == "localhost:5000/app:1@sha256:\(Self.hex)")
    #expect(local.familiarDescription == local.description)
  }

  @Test("a reference without tag or digest asks for latest, and a digest wins over a tag")
  func manifestReference() throws {
    let bare = try ImageReference(parsing: "alpine")
    #expect(bare.manifestReference == "latest")
    #expect(bare.withDefaultTag().tag == "latest")
    let both = try ImageReference(parsing: "alpine:3@sha256:\(Self.hex)")
    #expect(both.manifestReference == "sha256:\(Self.hex)")
    #expect(both.withDefaultTag() == both)
    #expect(try bare.with(tag: "edge").description == "docker.io/library/alpine:edge")
  }

  @Test("building a reference from parts validates each part")
  func fromParts() throws {
    let reference = try ImageReference(registry: "127.0.0.1:5000", repository: "a/b", tag: "t")
    #expect(reference.description == "127.0.0.1:5000/a/b:t")
    let error = #expect(throws: OCIError.self) {
      try ImageReference(registry: "127.0.0.1:5000", repository: "A/b")
    }
    #expect(error?.code == .invalidReference)
  }
}
