import Foundation
import OCI
import Testing

@Suite("CredentialStore")
struct CredentialStoreTests {
  /// A credential helper speaking the `docker-credential-* get` protocol: it records the server
  /// it was asked about and answers from a fixed table.
  static let helperScript = """
    #!/bin/sh
    [ "$1" = get ] || { echo "unsupported action $1"; exit 1; }
    read -r server
    printf '%s\\n' "$server" >> "$(dirname "$0")/asked"
    case "$server" in
      ghcr.io) printf '{"ServerURL":"ghcr.io","Username":"octo","Secret":"gh-secret"}' ;;
      https://index.docker.io/v1/) printf '{"ServerURL":"%s","Username":"hubuser","Secret":"hub-secret"}' "$server" ;;
      token.example) printf '{"ServerURL":"token.example","Username":"<token>","Secret":"refresh-123"}' ;;
      broken.example) echo "keychain is locked: super-secret-detail"; exit 3 ;;
      garbage.example) echo "not json but contains s3cret" ;;
      *) echo "credentials not found in native keychain"; exit 1 ;;
    esac
    """

  /// Writes `config.json` and, if asked, the helper as `docker-credential-test` in a bin folder.
  static func store(
    in directory: TemporaryDirectory, config: String, withHelper: Bool = false
  ) throws -> CredentialStore {
    let configDirectory = directory.file("docker")
    try FileManager.default.createDirectory(at: configDirectory, withIntermediateDirectories: true)
    try Data(config.utf8).write(to: configDirectory.appendingPathComponent("config.json"))
    let bin = directory.file("bin")
    try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
    if withHelper {
      let helper = bin.appendingPathComponent("docker-credential-test")
      try Data(CredentialStoreTests.helperScript.utf8).write(to: helper)
      try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: helper.path)
    }
    return CredentialStore(
      configDirectory: configDirectory, environment: ["PATH": "\(bin.path):/usr/bin:/bin"])
  }

  static func asked(in directory: TemporaryDirectory) -> [String] {
    let text = (try? String(contentsOf: directory.file("bin/asked"), encoding: .utf8)) ?? ""
    return text.split(separator: "\n").map(String.init)
  }

  static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

  @Test("no config.json means anonymous access for every host")
  func noConfig() async throws {
    try await TemporaryDirectory.with { (directory) async throws in
      let store = CredentialStore(configDirectory: directory.file("absent"), environment: [:])
      #expect(try store.credentials(forHost: "ghcr.io") == nil)
    }
  }

  @Test("an auths entry with base64 user:password is decoded, keeping colons in the password")
  func authField() async throws {
    try await TemporaryDirectory.with { (directory) async throws in
      let store = try Self.store(
        in: directory,
        config: #"{"auths":{"localhost:5000":{"auth":"\#(Self.base64("alice:pa:ss"))"}}}"#)
      let credentials = try store.credentials(forHost: "localhost:5000")
      #expect(credentials == Credentials(username: "alice", password: "pa:ss"))
    }
  }

  @Test("username and password fields are used when there is no auth field")
  func separateFields() async throws {
    try await TemporaryDirectory.with { (directory) async throws in
      let store = try Self.store(
        in: directory,
        config: #"{"auths":{"registry.example":{"username":"bob","password":"hunter2"}}}"#)
      #expect(
        try store.credentials(forHost: "registry.example")
          == Credentials(username: "bob", password: "hunter2"))
    }
  }

  @Test("an identity token is returned alongside the user name")
  func identityToken() async throws {
    try await TemporaryDirectory.with { (directory) async throws in
      let store = try Self.store(
        in: directory,
        config: #"""
          {"auths":{"acr.example":{"auth":"\#(Self.base64("00000000-0000:"))","identitytoken":"refresh-abc"}}}
          """#)
      let credentials = try #require(try store.credentials(forHost: "acr.example"))
      #expect(credentials.identityToken == "refresh-abc")
      #expect(credentials.username == "00000000-0000")
    }
  }

  @Test(
    "Docker Hub's API host and names all find the https://index.docker.io/v1/ entry",
    arguments: ["registry-1.docker.io", "docker.io", "index.docker.io"])
  func dockerHub(host: String) async throws {
    try await TemporaryDirectory.with { (directory) async throws in
      let store = try Self.store(
        in: directory,
        config: #"{"auths":{"https://index.docker.io/v1/":{"auth":"\#(Self.base64("hub:pw"))"}}}"#)
      #expect(try store.credentials(forHost: host) == Credentials(username: "hub", password: "pw"))
    }
  }

  @Test(
    "auths keys written as URLs or bare hosts match the registry host",
    arguments: [
      "https://registry.example:5000/v1/", "http://registry.example:5000", "registry.example:5000",
    ])
  func urlKeys(key: String) async throws {
    try await TemporaryDirectory.with { (directory) async throws in
      let store = try Self.store(
        in: directory, config: #"{"auths":{"\#(key)":{"auth":"\#(Self.base64("u:p"))"}}}"#)
      #expect(
        try store.credentials(forHost: "registry.example:5000")
          == Credentials(username: "u", password: "p"))
      #expect(try store.credentials(forHost: "registry.example") == nil)
    }
  }

  @Test("a host that no entry names is accessed anonymously")
  func unknownHost() async throws {
    try await TemporaryDirectory.with { (directory) async throws in
      let store = try Self.store(
        in: directory, config: #"{"auths":{"ghcr.io":{"auth":"\#(Self.base64("u:p"))"}}}"#)
      #expect(try store.credentials(forHost: "quay.io") == nil)
    }
  }

  @Test("DOCKER_CONFIG in the environment chooses the configuration directory")
  func dockerConfigVariable() async throws {
    try await TemporaryDirectory.with { (directory) async throws in
      let configDirectory = directory.file("elsewhere")
      try FileManager.default.createDirectory(
        at: configDirectory, withIntermediateDirectories: true)
      try Data(#"{"auths":{"ghcr.io":{"auth":"\#(Self.base64("x:y"))"}}}"#.utf8)
        .write(to: configDirectory.appendingPathComponent("config.json"))
      let store = CredentialStore(
        environment: ["DOCKER_CONFIG": configDirectory.path, "HOME": directory.path])
      #expect(store.configDirectory.path == configDirectory.path)
      #expect(
        try store.credentials(forHost: "ghcr.io") == Credentials(username: "x", password: "y"))
      let home = CredentialStore(environment: ["HOME": directory.path])
      #expect(home.configFile.path == directory.file(".docker/config.json").path)
    }
  }

  @Test("a credHelpers entry runs docker-credential-NAME get with the host on standard input")
  func credHelper() async throws {
    try await TemporaryDirectory.with { (directory) async throws in
      let store = try Self.store(
        in: directory,
        config: #"""
          {"auths":{"ghcr.io":{"auth":"\#(Self.base64("file:ignored"))"}},"credHelpers":{"ghcr.io":"test"}}
          """#, withHelper: true)
      #expect(
        try store.credentials(forHost: "ghcr.io")
          == Credentials(username: "octo", password: "gh-secret"))
      #expect(Self.asked(in: directory) == ["ghcr.io"])
      #expect(
        try store.credentials(forHost: "quay.io") == nil, "quay.io has no credHelpers entry")
      #expect(Self.asked(in: directory) == ["ghcr.io"])
    }
  }

  @Test("credsStore asks the helper about Docker Hub under https://index.docker.io/v1/")
  func credsStoreDockerHub() async throws {
    try await TemporaryDirectory.with { (directory) async throws in
      let store = try Self.store(in: directory, config: #"{"credsStore":"test"}"#, withHelper: true)
      #expect(
        try store.credentials(forHost: "registry-1.docker.io")
          == Credentials(username: "hubuser", password: "hub-secret"))
      #expect(Self.asked(in: directory) == ["https://index.docker.io/v1/"])
    }
  }

  @Test("a helper answering 'credentials not found' means anonymous access")
  func helperNotFound() async throws {
    try await TemporaryDirectory.with { (directory) async throws in
      let store = try Self.store(in: directory, config: #"{"credsStore":"test"}"#, withHelper: true)
      #expect(try store.credentials(forHost: "quay.io") == nil)
      #expect(Self.asked(in: directory) == ["quay.io"])
    }
  }

  @Test("a helper user name of <token> marks the secret as an identity token")
  func helperIdentityToken() async throws {
    try await TemporaryDirectory.with { (directory) async throws in
      let store = try Self.store(in: directory, config: #"{"credsStore":"test"}"#, withHelper: true)
      let credentials = try #require(try store.credentials(forHost: "token.example"))
      #expect(credentials.identityToken == "refresh-123")
      #expect(credentials.password.isEmpty)
    }
  }

  @Test("a failing helper is reported with the host, its exit status and its message")
  func helperFails() async throws {
    try await TemporaryDirectory.with { (directory) async throws in
      let store = try Self.store(in: directory, config: #"{"credsStore":"test"}"#, withHelper: true)
      let error = #expect(throws: OCIError.self) {
        _ = try store.credentials(forHost: "broken.example")
      }
      #expect(error?.code == .credentialHelperFailed)
      #expect(error?.message.contains("broken.example") == true)
      #expect(error?.message.contains("exit status 3") == true)
    }
  }

  @Test("a helper reply that is not JSON is refused without quoting the reply")
  func helperGarbage() async throws {
    try await TemporaryDirectory.with { (directory) async throws in
      let store = try Self.store(in: directory, config: #"{"credsStore":"test"}"#, withHelper: true)
      let error = #expect(throws: OCIError.self) {
        _ = try store.credentials(forHost: "garbage.example")
      }
      #expect(error?.code == .credentialHelperFailed)
      #expect(error?.description.contains("s3cret") == false)
    }
  }

  @Test("a helper missing from PATH is named in the error")
  func helperMissing() async throws {
    try await TemporaryDirectory.with { (directory) async throws in
      let store = try Self.store(in: directory, config: #"{"credsStore":"absent"}"#)
      let error = #expect(throws: OCIError.self) { _ = try store.credentials(forHost: "ghcr.io") }
      #expect(error?.code == .credentialHelperFailed)
      #expect(error?.message.contains("docker-credential-absent") == true)
    }
  }

  @Test("a config.json that is not JSON is reported with its path and without its content")
  func malformedConfig() async throws {
    try await TemporaryDirectory.with { (directory) async throws in
      let store = try Self.store(in: directory, config: #"{"auths":{"h":{"auth":"s3cret"}"#)
      let error = #expect(throws: OCIError.self) { _ = try store.credentials(forHost: "h") }
      #expect(error?.code == .invalidConfiguration)
      #expect(error?.message.contains(store.configFile.path) == true)
      #expect(error?.description.contains("s3cret") == false)
    }
  }

  @Test("an auth field that is not base64 of user:password is refused without quoting it")
  func badAuthField() async throws {
    try await TemporaryDirectory.with { (directory) async throws in
      let store = try Self.store(
        in: directory, config: #"{"auths":{"h.example":{"auth":"\#(Self.base64("nocolon"))"}}}"#)
      let error = #expect(throws: OCIError.self) { _ = try store.credentials(forHost: "h.example") }
      #expect(error?.code == .invalidConfiguration)
      #expect(error?.message.contains("h.example") == true)
      #expect(error?.message.contains("nocolon") == false)
    }
  }

  @Test("printing credentials never shows the password or the identity token")
  func redaction() {
    let credentials = Credentials(username: "alice", password: "hunter2", identityToken: "tok-9")
    for text in [
      credentials.description, credentials.debugDescription, String(reflecting: credentials),
      "\(credentials)",
      {
        var out = ""
        dump(credentials, to: &out)
        return out
      }(),
    ] {
      #expect(!text.contains("hunter2"))
      #expect(!text.contains("tok-9"))
      #expect(text.contains("alice"))
    }
  }
}
